package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestDemoWelcome: the demo's coachee finds a welcome from their coach,
// unread, in the navigation's count and the conversation; seeding again
// adds nothing.
func TestDemoWelcome(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{PluginDemo: true, Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		ctx := context.Background()
		if err := demo.Seed(ctx, app.DemoDeps(), nil); err != nil {
			t.Fatal(err)
		}
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		list := kim.Get("/m/chat/")
		if got := list.Text(`#nav a[href="/m/chat/"] .badge-count`); !strings.HasPrefix(got, "1") {
			t.Errorf("Kim's unread count: %q", got)
		}
		// Her start page (her dossier) says a message waits, and leads to it.
		own := kim.Get("/dossiers/" + strconv.FormatInt(app.DossierOf(t, "coachee@harbour.example"), 10))
		if got := own.Text("#chat-own-unread"); got != "1 new message waits for you." || own.Doc.Find("#chat-own-write").Length() != 1 {
			t.Errorf("Kim's messages card: %q", got)
		}
		where, _ := list.Doc.Find("#chat-conversations a").Attr("href")
		if got := kim.Get(where).Text("#chat-messages"); strings.Count(got, "Welcome!") != 1 {
			t.Errorf("the conversation (%q): %q", where, got)
		}
	})
}
