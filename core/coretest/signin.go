package coretest

import (
	"net/url"
	"sync"
	"time"

	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

// SignIn signs the client in as a demo account (password, then the code of
// the demo's authenticator key), failing the test otherwise.
func (c *Client) SignIn(email string) {
	c.t.Helper()
	c.Get("/signin")
	res := c.PostForm("/signin", url.Values{"email": {email}, "password": {demo.Password}})
	if res.StatusCode != 303 || res.Header.Get("Location") == "" {
		c.t.Fatalf("sign in as %s: %d %s", email, res.StatusCode, res.Text(".flash-error"))
	}
	res = c.PostForm("/signin/code", url.Values{"code": {c.FreshCode(email)}})
	if res.StatusCode != 303 {
		c.t.Fatalf("code for %s: %d %s", email, res.StatusCode, res.Text(".field-error"))
	}
}

// lastCodes remembers the time step each account last used, so that a test
// signing in twice within 30 s waits for a fresh code instead of replaying one.
var (
	codesMu   sync.Mutex
	lastCodes = map[string]int64{}
)

// FreshCode is the demo key's code for a step this account has not used yet
// on this app (waiting for the next step when needed).
func (c *Client) FreshCode(email string) string {
	for {
		step := time.Now().Unix() / 30
		codesMu.Lock()
		if lastCodes[c.base+email] < step {
			lastCodes[c.base+email] = step
			codesMu.Unlock()
			return identity.CodeAt(demo.TOTPSecret, time.Unix(step*30, 0))
		}
		codesMu.Unlock()
		time.Sleep(200 * time.Millisecond)
	}
}
