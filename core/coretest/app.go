package coretest

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/tenancy"
)

// App is a real Atrium serving on a random loopback port for one test.
type App struct {
	*core.App
	// URL is the base address, such as http://127.0.0.1:41234.
	URL string
	// MetricsURL is the metrics listener's base address (GET /metrics).
	MetricsURL string
	// Logs is everything the App logged so far.
	Logs *Buffer
}

// Options tune NewApp.
type Options struct {
	// Config changes the configuration before the App is built.
	Config func(*config.Config)
	// Before runs after the App is built and before it serves: add routes here.
	Before func(*core.App)
	// NoDemo leaves the database without the demo organisation.
	NoDemo bool
	// PluginDemo lets the plugins add their demo data too (the agenda's
	// hours); without it tests start from plugins' empty tables.
	PluginDemo bool
	// Clock, when set, is the identity service's clock (sessions, codes,
	// links, throttles).
	Clock *Clock
}

// NewApp builds, migrates, seeds and serves an App on db. It stops when the
// test ends; its log is printed only if the test failed.
func NewApp(t testing.TB, db config.Database, opts ...Options) *App {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	cfg := config.Default()
	cfg.Database = db
	cfg.Server.Address = "127.0.0.1:0"
	cfg.Server.MetricsAddress = "127.0.0.1:0" // tests run side by side: no fixed port
	cfg.Log.Level = "debug"
	cfg.Security.SecretKey = secrets.NewKey()
	cfg.Identity.Argon2MemoryKiB = 8 * 1024 // cheap hashes keep tests fast; the parameters are tested on their own
	cfg.Identity.Argon2Time = 1
	cfg.Files.Dir = filepath.Join(t.TempDir(), "files")
	if o.Config != nil {
		o.Config(&cfg)
	}
	logs := &Buffer{}
	app, err := core.New(cfg, core.WithLogOutput(logs))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := app.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := app.StartPlugins(ctx); err != nil {
		t.Fatal(err)
	}
	if !o.NoDemo {
		deps := app.DemoDeps()
		if !o.PluginDemo {
			deps.Plugins = nil
		}
		if err := demo.Seed(ctx, deps, nil); err != nil {
			t.Fatal(err)
		}
	}
	if o.Clock != nil {
		app.Identity().Now = o.Clock.Now
	}
	if o.Before != nil {
		o.Before(app)
	}
	ln, err := app.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	// Wait for the start-up: Fiber finishes its routes then, and a test
	// that reads them earlier races with it.
	select {
	case <-app.Web().Started():
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not start within 15 s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("the server did not shut down within 15 s")
		}
		_ = app.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	a := &App{App: app, URL: "http://" + ln.Addr().String(), Logs: logs}
	if addr := app.MetricsAddr(); addr != nil {
		a.MetricsURL = "http://" + addr.String()
	}
	return a
}

// Buffer collects output written from many goroutines, such as a log.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// OrgOf is the first organisation a person belongs to (the demo's people
// belong to one).
func (a *App) OrgOf(t testing.TB, userID int64) int64 {
	t.Helper()
	var org int64
	if err := a.DB().NewSelect().Table("members").Column("organisation_id").Where("user_id = ?", userID).Limit(1).Scan(context.Background(), &org); err != nil {
		t.Fatal(err)
	}
	return org
}

// DemoOrg is the demo organisation (Harbour), the one its people work in.
func (a *App) DemoOrg(t testing.TB) int64 {
	t.Helper()
	u, err := a.Identity().ByEmail(context.Background(), "coach@harbour.example")
	if err != nil {
		t.Fatal(err)
	}
	return a.OrgOf(t, u.ID)
}

// DossierOf is the dossier of the person with the e-mail address (the
// demo's coachee has one).
func (a *App) DossierOf(t testing.TB, email string) int64 {
	t.Helper()
	u, err := a.Identity().ByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := a.DB().NewSelect().Table("dossiers").Column("id").Where("user_id = ?", u.ID).Limit(1).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// MailedLink is the path of the link starting with prefix ("/reset/") in
// the newest mail the outbox holds for the address, as the person would
// open it; the test fails when there is none.
func (a *App) MailedLink(t testing.TB, to, prefix string) string {
	t.Helper()
	mails, err := a.Mailer().Recent(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		if m.Recipient == to {
			if link := regexp.MustCompile(regexp.QuoteMeta(prefix) + `[A-Za-z0-9_-]+`).FindString(m.Text); link != "" {
				return link
			}
		}
	}
	t.Fatalf("no mail to %s with a link %s…", to, prefix)
	return ""
}

// Organisation is a subscriber organisation of the App by its slug, made
// when there is none (another tenant, for tests across tenants).
func (a *App) Organisation(t testing.TB, slug, name string) *tenancy.Organisation {
	t.Helper()
	org, _, err := a.Organisations().Ensure(context.Background(), tenancy.Organisation{Slug: slug, Name: name, Locale: "en", TimeZone: "Europe/Amsterdam"})
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// Person is an account ready to sign in with the demo's password and
// authenticator key (Client.SignIn), a member of org with the role; an
// existing account only gains the membership.
func (a *App) Person(t testing.TB, org *tenancy.Organisation, email string, role access.Role) *identity.User {
	t.Helper()
	u, _, err := a.Identity().Seed(context.Background(), org, identity.Invitee{Email: email, GivenName: "P", FamilyName: strings.Split(email, "@")[0], Role: role}, demo.Password, demo.TOTPSecret)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
