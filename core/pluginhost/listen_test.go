package pluginhost_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestPageListensWhereAllowed: a plugin's page listens to its own room and
// a dossier the person may open; the host signs those into the page and
// leaves out another plugin's room, someone else's own topic, a dossier
// the person cannot open and what is no topic at all.
func TestPageListensWhereAllowed(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		ctx := context.Background()
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		dossier := app.DossierOf(t, "coachee@harbour.example")
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		listens := func(d int64) string {
			t.Helper()
			res := coach.Get("/m/hostile/live?user=" + strconv.FormatInt(kim.ID, 10) + "&dossier=" + strconv.FormatInt(d, 10))
			if res.StatusCode != 200 {
				t.Fatalf("the page: %d", res.StatusCode)
			}
			return res.Attr("#main", "data-live-topics")
		}
		want := "room:hostile:live,dossier:" + strconv.FormatInt(dossier, 10)
		if got := listens(dossier); got != want {
			t.Errorf("the coach's page listens to %q, want %q", got, want)
		}
		if got := listens(999999); got != "room:hostile:live" {
			t.Errorf("with a dossier the coach cannot open: %q", got)
		}
	})
}
