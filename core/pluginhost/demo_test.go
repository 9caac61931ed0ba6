package pluginhost_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestDemoAsksThePlugins: the host asks plugins for their demo data as the
// person given, in the organisation, waiting for each; a plugin that fails
// is named in the error, and a person outside the organisation is refused.
func TestDemoAsksThePlugins(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	ctx := context.Background()
	coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
	kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
	org := app.OrgOf(t, coach.ID)
	people := func(coach int64) []byte {
		b, _ := json.Marshal(map[string]int64{"coach": coach, "coachee": kim.ID})
		return b
	}
	done, err := app.Plugins().Demo(ctx, org, coach.ID, people(coach.ID))
	if err != nil || !slices.Equal(done, []string{"hostile"}) {
		t.Fatalf("the demo: %v %v", done, err)
	}
	var rows int
	if err := app.Plugins().PluginDB("hostile", org).NewSelect().Table(app.Plugins().Table("hostile", "hostile_items")).ColumnExpr("count(*)").Where("organisation_id = ? AND secret = ?", org, "demo as "+strconv.FormatInt(coach.ID, 10)).Scan(ctx, &rows); err != nil || rows != 1 {
		t.Errorf("the plugin's demo row: %d %v", rows, err)
	}
	if _, err := app.Plugins().Demo(ctx, org, kim.ID, people(coach.ID)); err == nil || !strings.Contains(err.Error(), "hostile plugin") {
		t.Errorf("a plugin that fails: %v", err)
	}
	if _, err := app.Plugins().Demo(ctx, org+1000, coach.ID, people(coach.ID)); err == nil {
		t.Error("a demo in an organisation the person is not in was run")
	}
}
