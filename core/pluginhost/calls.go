package pluginhost

import (
	"sync"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/tenancy"
)

// scope is what one live call may reach: the plugin serving it, and the
// organisation and person it was made for. Host calls name the call by its
// token; the host finds the scope, so a plugin can never name an organisation
// or a person itself.
type scope struct {
	plugin   string
	orgID    int64
	userID   int64
	locale   string
	can      access.Set
	lineage  []tenancy.Organisation
	deadline time.Time
	// migrating allows schema statements on the plugin's own tables.
	migrating bool
}

// calls holds the scopes of live calls.
type calls struct {
	mu   sync.Mutex
	live map[string]*scope
}

func (c *calls) open(token string, s *scope) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		c.live = map[string]*scope{}
	}
	c.live[token] = s
}

func (c *calls) close(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.live, token)
}

// find returns the scope of a live call of the given plugin; a token of
// another plugin, an ended call or a made-up token finds nothing.
func (c *calls) find(plugin, token string) *scope {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[token]
	if s == nil || s.plugin != plugin || time.Now().After(s.deadline) {
		return nil
	}
	return s
}
