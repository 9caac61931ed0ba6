package pluginhost_test

import (
	"context"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestTickReachesOrganisationsWithTheModule: a tick reaches a plugin in
// each organisation that has it on, as nobody, and none where it is off.
func TestTickReachesOrganisationsWithTheModule(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		ctx := context.Background()
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		demo := app.OrgOf(t, coach.ID)
		other, err := app.Organisations().CreateSubscriber(ctx, tenancy.Details{Name: "Quiet Coaching", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err != nil {
			t.Fatal(err)
		}
		ticks := func(org int64) int64 {
			t.Helper()
			n, err := app.Plugins().PluginDB("hostile", org).NewSelect().Table(app.Plugins().Table("hostile", "hostile_items")).Where("organisation_id = ? AND secret = ?", org, "tick as 0").Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		app.Plugins().Tick(ctx)
		app.Plugins().Tick(ctx)
		if ticks(demo) != 2 || ticks(other.ID) != 0 {
			t.Errorf("ticks: %d in the demo, %d where the module is not on", ticks(demo), ticks(other.ID))
		}
		if err := app.Organisations().SetModule(ctx, demo, "hostile", false); err != nil {
			t.Fatal(err)
		}
		app.Plugins().Tick(ctx)
		if n := ticks(demo); n != 2 {
			t.Errorf("a tick after the module was switched off: %d", n)
		}
	})
}
