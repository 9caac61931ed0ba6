package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestDemoLetsTheCoacheeBook: the demo gives its coach weekday hours and a
// session type, so the demo's coachee finds free days to book at once;
// seeding again doubles nothing.
func TestDemoLetsTheCoacheeBook(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{PluginDemo: true, Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		ctx := context.Background()
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		page := coach.Get("/m/agenda/availability")
		if got := page.Text("#agenda-hours"); !strings.Contains(got, "Friday") || !strings.Contains(got, "13:00–17:00") {
			t.Errorf("the demo coach's hours: %q", got)
		}
		if got := page.Text("main"); !strings.Contains(got, "Coaching session") {
			t.Errorf("the demo coach's session types: %q", got)
		}
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		next := time.Now().AddDate(0, 1, 0).Format("2006-01")
		book := kim.Get("/m/agenda/book?month=" + next)
		if n := book.Doc.Find(".calendar-pick.free").Length(); book.StatusCode != 200 || n < 15 {
			t.Errorf("free days for Kim next month: %d (%d)", n, book.StatusCode)
		}
		if err := demo.Seed(ctx, app.DemoDeps(), nil); err != nil {
			t.Fatal(err)
		}
		for table, want := range map[string]int64{"agenda_hours": 10, "agenda_session_types": 1, "agenda_themes": 3} {
			if n, err := app.Plugins().PluginDB("agenda", app.DemoOrg(t)).NewSelect().Table(app.Plugins().Table("agenda", table)).Count(ctx); err != nil || n != want {
				t.Errorf("%s after seeding twice: %d rows (%v), want %d", table, n, err, want)
			}
		}
	})
}
