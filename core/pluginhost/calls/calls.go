// Package calls keeps the plugins' live calls. Every call the host makes to
// a plugin gets a token, and every call the plugin makes back names that
// token: the host finds the call's scope by it (the plugin, the
// organisation, the person, their permissions, the deadline), so a plugin
// can never name an organisation or a person itself.
package calls

import (
	"sync"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Scope is what one live call may reach: the plugin serving it, and the
// organisation and person it was made for.
type Scope struct {
	Plugin   string
	OrgID    int64
	UserID   int64
	Locale   string
	Can      access.Set
	Lineage  []tenancy.Organisation
	Deadline time.Time
	// Migrating allows schema statements on the plugin's own tables.
	Migrating bool
	// tx is the call's open transaction, if the plugin began one.
	tx Tx
}

// Tx is a plugin's transaction, tied to the call that began it.
type Tx interface {
	ID() string
	// End commits or rolls back, and releases the connection.
	End(commit bool) error
}

// Registry holds the scopes of live calls.
type Registry struct {
	mu   sync.Mutex
	live map[string]*Scope
}

// Open makes a call live under its token.
func (c *Registry) Open(token string, s *Scope) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		c.live = map[string]*Scope{}
	}
	c.live[token] = s
}

// Close ends a call; a transaction it left open is rolled back.
func (c *Registry) Close(token string) {
	c.mu.Lock()
	s := c.live[token]
	delete(c.live, token)
	c.mu.Unlock()
	if s != nil && s.tx != nil {
		_ = s.tx.End(false)
	}
}

// Attach records the call's transaction; false when one is open already.
func (c *Registry) Attach(token string, t Tx) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[token]
	if s == nil || s.tx != nil {
		return false
	}
	s.tx = t
	return true
}

// HasTx tells whether the call has a transaction open.
func (c *Registry) HasTx(token string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[token]
	return s != nil && s.tx != nil
}

// Current is the call's open transaction, or nil.
func (c *Registry) Current(token string) Tx {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.live[token]; s != nil && s.tx != nil {
		return s.tx
	}
	return nil
}

// Tx finds the call's transaction by its id.
func (c *Registry) Tx(token, id string) Tx {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.live[token]; s != nil && s.tx != nil && s.tx.ID() == id {
		return s.tx
	}
	return nil
}

// Detach takes the call's transaction away from it, for Commit or Rollback.
func (c *Registry) Detach(token, id string) Tx {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[token]
	if s == nil || s.tx == nil || s.tx.ID() != id {
		return nil
	}
	t := s.tx
	s.tx = nil
	return t
}

// Find returns the scope of a live call of the given plugin; a token of
// another plugin, an ended call or a made-up token finds nothing.
func (c *Registry) Find(plugin, token string) *Scope {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[token]
	if s == nil || s.Plugin != plugin || time.Now().After(s.Deadline) {
		return nil
	}
	return s
}

// CopyOf copies a live call's scope without its transaction, for work that
// outlives the call (events delivered after it).
func (c *Registry) CopyOf(s *Scope) Scope {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := *s
	out.tx = nil
	return out
}
