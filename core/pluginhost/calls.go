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
	// tx is the call's open transaction, if the plugin began one.
	tx *pluginTx
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

// close ends a call; a transaction it left open is rolled back.
func (c *calls) close(token string) {
	c.mu.Lock()
	s := c.live[token]
	delete(c.live, token)
	c.mu.Unlock()
	if s != nil && s.tx != nil {
		_ = s.tx.end(false)
	}
}

// attach records the call's transaction; false when one is open already.
func (c *calls) attach(token string, t *pluginTx) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[token]
	if s == nil || s.tx != nil {
		return false
	}
	s.tx = t
	return true
}

// hasTx tells whether the call has a transaction open.
func (c *calls) hasTx(token string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[token]
	return s != nil && s.tx != nil
}

// tx finds the call's transaction by its id.
func (c *calls) tx(token, id string) *pluginTx {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.live[token]; s != nil && s.tx != nil && s.tx.id == id {
		return s.tx
	}
	return nil
}

// detach takes the call's transaction away from it, for Commit or Rollback.
func (c *calls) detach(token, id string) *pluginTx {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.live[token]
	if s == nil || s.tx == nil || s.tx.id != id {
		return nil
	}
	t := s.tx
	s.tx = nil
	return t
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

// copyOf copies a live call's scope without its transaction, for work that
// outlives the call (events delivered after it).
func (c *calls) copyOf(s *scope) scope {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := *s
	out.tx = nil
	return out
}
