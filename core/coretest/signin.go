package coretest

import (
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
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

// SignInPassword does the first step only (the address and the password),
// leaving the client half signed in, as someone who knows only the
// password would be.
func (c *Client) SignInPassword(email string) {
	c.t.Helper()
	c.Get("/signin")
	res := c.PostForm("/signin", url.Values{"email": {email}, "password": {demo.Password}})
	if res.StatusCode != 303 {
		c.t.Fatalf("password step as %s: %d %s", email, res.StatusCode, res.Text(".flash-error"))
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

// Clock is the identity service's clock in a test's hand (Options.Clock):
// each Code is of a time step no code was used in yet, so a test signs in
// and proves itself again and again without waiting 30 s for each step.
type Clock struct{ unix atomic.Int64 }

// NewClock starts at the present.
func NewClock() *Clock {
	k := &Clock{}
	k.unix.Store(time.Now().Unix())
	return k
}

// Now is the clock's time.
func (k *Clock) Now() time.Time { return time.Unix(k.unix.Load(), 0) }

// Code moves the clock to the next time step and gives secret's code there.
func (k *Clock) Code(secret string) string {
	return identity.CodeAt(secret, time.Unix(k.unix.Add(30), 0))
}

// SignInAt signs the client in as a demo account with a code of the
// clock (the app must run on it).
func (c *Client) SignInAt(k *Clock, email string) {
	c.t.Helper()
	c.SignInPassword(email)
	if res := c.PostForm("/signin/code", url.Values{"code": {k.Code(demo.TOTPSecret)}}); res.StatusCode != 303 {
		c.t.Fatalf("code for %s: %d %s", email, res.StatusCode, res.Text(".field-error"))
	}
}

// SignedIn is a new client of the App signed in as email, both steps done.
func (a *App) SignedIn(t testing.TB, email string) *Client {
	t.Helper()
	c := a.Client(t)
	c.SignIn(email)
	return c
}
