// Package module owns the registry of modules: the features an organisation
// switches on per subscription. Until plugins exist each module is a
// descriptor registered by the core; plugins will register theirs the same way.
package module

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/atriumhq/atrium/core/access"
)

// Descriptor describes one module.
type Descriptor struct {
	ID          string // "announcements"
	Label       string // message id of its name
	Description string // message id of a one-line description
	Icon        string
	Path        string // its start page
	// Permission is needed to open it ("" for everyone in the organisation).
	Permission access.Permission
	// NewCount counts items new to the person since a moment, for the start
	// page's tiles; nil when the module has no such count.
	NewCount func(ctx context.Context, orgID, userID int64, since time.Time) (int, error)
}

// Registry holds the known modules.
type Registry struct {
	mu   sync.RWMutex
	byID map[string]Descriptor
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byID: map[string]Descriptor{}} }

// Add registers a module.
func (r *Registry) Add(d Descriptor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byID[d.ID] = d
}

// Get finds a module.
func (r *Registry) Get(id string) (Descriptor, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.byID[id]
	return d, ok
}

// All lists the modules by id.
func (r *Registry) All() []Descriptor {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Descriptor, 0, len(r.byID))
	for _, d := range r.byID {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// IDs lists the module ids.
func (r *Registry) IDs() []string {
	var out []string
	for _, d := range r.All() {
		out = append(out, d.ID)
	}
	return out
}
