package account_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

// TestPasswordAloneNeverReplacesTheFactor is the attack of issue 14: with
// the password alone, a half-done sign-in posted a wrong code to the set-up
// step, which made a new secret and switched the owner's authenticator off;
// enrolling that secret gave a full session. Now the set-up step does not
// exist for an account with an authenticator, and nothing changes.
func TestPasswordAloneNeverReplacesTheFactor(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		before, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		attacker := app.Client(t)
		attacker.SignInPassword("coach@harbour.example")
		for _, try := range []func() *coretest.Response{
			func() *coretest.Response { return attacker.PostForm("/setup/factor", url.Values{"code": {"000000"}}) },
			func() *coretest.Response { return attacker.Get("/setup/factor") },
			func() *coretest.Response {
				return attacker.PostForm("/setup/factor", url.Values{"code": {identity.CodeAt(demo.TOTPSecret, time.Now())}})
			},
			func() *coretest.Response {
				return attacker.PostForm("/settings/security/replace/start", url.Values{"password": {demo.Password}, "current_code": {"000000"}})
			},
			func() *coretest.Response { return attacker.Get("/settings/security/replace") },
			func() *coretest.Response {
				return attacker.PostForm("/settings/security/backup-codes", url.Values{"code": {"000000"}})
			},
		} {
			res := try()
			if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin/code") {
				t.Errorf("%s %s: %d %q, want the code step", res.Request.Method, res.Request.URL.Path, res.StatusCode, res.Header.Get("Location"))
			}
			if res.Doc != nil && res.Doc.Find("#totp-secret").Length() > 0 {
				t.Errorf("%s %s showed a secret", res.Request.Method, res.Request.URL.Path)
			}
		}
		after, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		if !after.TOTPEnabled || after.TOTPSecret != before.TOTPSecret || after.TOTPPending != "" {
			t.Fatal("the owner's authenticator was changed by a half-done sign-in")
		}
		if res := attacker.Get("/settings"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin/code") {
			t.Fatalf("the half-done sign-in opened a member page: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		// The owner's authenticator still works.
		owner := app.Client(t)
		owner.SignIn("coach@harbour.example")
	})
}

// TestSessionTokenRotatesAtTheSecondStep: the cookie of a half-done sign-in
// (which the password alone gets) never becomes a full session's.
func TestSessionTokenRotatesAtTheSecondStep(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		c := app.Client(t)
		c.SignInPassword("coach@harbour.example")
		half := c.CookieHeader()
		if res := c.PostForm("/signin/code", url.Values{"code": {c.FreshCode("coach@harbour.example")}}); res.StatusCode != 303 {
			t.Fatalf("code: %d", res.StatusCode)
		}
		if c.CookieHeader() == half {
			t.Fatal("the cookies did not change at the second step")
		}
		if res := c.Get("/settings"); res.StatusCode != 200 {
			t.Fatalf("the new session: %d", res.StatusCode)
		}
		stale := app.Client(t).Get("/settings", "Cookie", half)
		if stale.StatusCode != 303 || !strings.HasPrefix(stale.Header.Get("Location"), "/signin?") {
			t.Fatalf("the half-done sign-in's cookie still opens a session: %d %q", stale.StatusCode, stale.Header.Get("Location"))
		}
	})
}

// TestReplacingTheAuthenticatorTakesAFreshProof walks the owner's own
// replacement: password and current code, the new secret shown to this
// session only, the old authenticator working until the new one is
// confirmed, new backup codes, a mail.
func TestReplacingTheAuthenticatorTakesAFreshProof(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		clock := coretest.NewClock()
		app := coretest.NewApp(t, db, coretest.Options{Clock: clock})
		ctx := context.Background()
		const email = "coach@harbour.example"
		c := app.Client(t)
		c.SignInAt(clock, email)
		other := app.Client(t) // a second browser of the same person
		other.SignInAt(clock, email)
		if page := c.Get("/settings/security"); page.Doc.Find(`form[action="/settings/security/replace/start"]`).Length() != 1 {
			t.Fatal("the security page offers no replacement")
		}
		// A session alone yields neither new backup codes nor a new authenticator.
		if res := c.PostForm("/settings/security/backup-codes", url.Values{}); res.StatusCode != 422 || res.Doc.Find("#backup-codes").Length() != 0 {
			t.Fatalf("backup codes without a code: %d", res.StatusCode)
		}
		for _, bad := range []url.Values{
			{"password": {"Wrong-Password-2026"}, "current_code": {clock.Code(demo.TOTPSecret)}},
			{"password": {demo.Password}, "current_code": {"000000"}},
			{},
		} {
			res := c.PostForm("/settings/security/replace/start", bad)
			if res.StatusCode != 422 || res.Text(".field-error") == "" {
				t.Errorf("replacement with %v: %d %q", bad, res.StatusCode, res.Text(".field-error"))
			}
		}
		if res := c.Get("/settings/security/replace"); res.StatusCode != 303 {
			t.Fatalf("the replacement page without a proof: %d", res.StatusCode)
		}
		res := c.PostForm("/settings/security/replace/start", url.Values{"password": {demo.Password}, "current_code": {clock.Code(demo.TOTPSecret)}})
		if res.StatusCode != 303 || res.Header.Get("Location") != "/settings/security/replace" {
			t.Fatalf("proof: %d %q %q", res.StatusCode, res.Header.Get("Location"), res.Text(".field-error"))
		}
		page := c.Get("/settings/security/replace")
		secret := strings.ReplaceAll(page.Text("#totp-secret"), " ", "")
		if page.StatusCode != 200 || len(secret) < 16 || secret == demo.TOTPSecret {
			t.Fatalf("replacement page: %d %q", page.StatusCode, secret)
		}
		// Only the session that gave the proof sees or confirms it.
		if res := other.Get("/settings/security/replace"); res.StatusCode != 303 {
			t.Errorf("another session sees the new secret: %d", res.StatusCode)
		}
		if res := other.PostForm("/settings/security/replace", url.Values{"code": {identity.CodeAt(secret, clock.Now())}}); res.StatusCode != 303 {
			t.Errorf("another session confirms the new secret: %d", res.StatusCode)
		}
		if res := c.PostForm("/settings/security/replace", url.Values{"code": {"000000"}}); res.StatusCode != 422 {
			t.Fatalf("wrong code of the new one: %d", res.StatusCode)
		}
		// Until confirmed, the old authenticator is the one that signs in.
		app.Client(t).SignInAt(clock, email)
		done := c.PostForm("/settings/security/replace", url.Values{"code": {identity.CodeAt(secret, clock.Now())}})
		if done.StatusCode != 200 || done.Doc.Find("#backup-codes li").Length() != 10 {
			t.Fatalf("confirm: %d", done.StatusCode)
		}
		u, _ := app.Identity().ByEmail(ctx, email)
		if !u.TOTPEnabled || u.TOTPPending != "" {
			t.Fatal("the replacement was not put in place")
		}
		// The old authenticator no longer signs in; the new one does.
		late := app.Client(t)
		late.SignInPassword(email)
		if res := late.PostForm("/signin/code", url.Values{"code": {clock.Code(demo.TOTPSecret)}}); res.StatusCode != 422 {
			t.Fatalf("the old authenticator still signs in: %d", res.StatusCode)
		}
		if res := late.PostForm("/signin/code", url.Values{"code": {clock.Code(secret)}}); res.StatusCode != 303 {
			t.Fatalf("the new authenticator: %d", res.StatusCode)
		}
		mails, _ := app.Mailer().Recent(ctx, 20)
		if len(mails) == 0 || mails[0].Recipient != email || !strings.Contains(mails[0].Subject, "authenticator") {
			t.Fatalf("the owner was not told: %+v", mails[0])
		}
	})
}
