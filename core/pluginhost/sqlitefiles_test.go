package pluginhost_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestEachOrganisationHasItsOwnFileOnSQLite: on SQLite a plugin's rows of
// one organisation live in a file of their own, so no statement of a call
// reaches another organisation's. An installation of the layout before (one
// file of the plugin's with every organisation's rows) finds them shared
// out at the upgrade: each organisation sees its notes, the plugin's file
// for its schema keeps none, and the files are migrated at every start.
func TestEachOrganisationHasItsOwnFileOnSQLite(t *testing.T) {
	t.Parallel()
	example := coretest.BuildPlugin(t, "plugins/example")
	db := coretest.SQLite(t)
	plugins := filepath.Join(filepath.Dir(strings.TrimPrefix(db.URL, "file:")), "plugins")
	key := secrets.NewKey() // both starts open the same sealed secrets
	opts := coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, example)
		c.Security.SecretKey = key
	}}
	var harbour, north int64
	notes := func(t *testing.T, c *coretest.Client) string { return c.Get("/m/example/").Text("#example-notes") }
	t.Run("before", func(t *testing.T) {
		app := coretest.NewApp(t, db, opts)
		ctx := context.Background()
		harbour = app.DemoOrg(t)
		org, err := app.Organisations().CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err != nil {
			t.Fatal(err)
		}
		north = org.ID
		if err := app.Organisations().SetSubscription(ctx, north, tenancy.Plan{Modules: []string{"example"}, MaxPeople: 10}, app.Modules().IDs()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := app.Identity().Seed(ctx, org, identity.Invitee{Email: "coach@north.example", GivenName: "N", FamilyName: "Coach", Role: access.RoleCoach}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		for email, text := range map[string]string{"coach@harbour.example": "harbour's note", "coach@north.example": "north's note"} {
			if res := app.SignedIn(t, email).PostForm("/m/example/", url.Values{"text": {text}}); res.StatusCode != 303 {
				t.Fatalf("%s's note: %d", email, res.StatusCode)
			}
		}
		for org, file := range map[int64]string{harbour: "harbour", north: "north"} {
			var kept []int64
			if err := app.Plugins().PluginDB("example", org).NewSelect().Table("example_notes").Column("organisation_id").Scan(ctx, &kept); err != nil || len(kept) != 1 || kept[0] != org {
				t.Errorf("%s's file holds rows of %v (%v)", file, kept, err)
			}
		}
	})
	if t.Failed() {
		return
	}
	// The layout before: every organisation's rows in the plugin's one file
	// (their ids, each organisation's in its own range, do not collide).
	one, err := sql.Open("sqlite", filepath.Join(plugins, "example.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []int64{harbour, north} {
		file := filepath.Join(plugins, "example", strconv.FormatInt(org, 10)+".db")
		for _, q := range []string{"ATTACH DATABASE '" + file + "' AS org", "DROP TRIGGER IF EXISTS atrium_insert_example_notes",
			"INSERT INTO example_notes SELECT * FROM org.example_notes", "DETACH DATABASE org"} {
			if _, err := one.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	one.Close()
	if err := os.RemoveAll(filepath.Join(plugins, "example")); err != nil {
		t.Fatal(err)
	}

	app := coretest.NewApp(t, db, opts)
	if st := app.Plugins().Plugins(); st[0].State != pluginhost.StateRunning {
		t.Fatalf("after the upgrade: %+v", st)
	}
	// Signed in again on the same database: with the next step's code, as
	// the one before was used by the first start.
	signIn := func(email string) *coretest.Client {
		c := app.Client(t)
		c.SignInPassword(email)
		if res := c.PostForm("/signin/code", url.Values{"code": {identity.CodeAt(demo.TOTPSecret, time.Now().Add(30*time.Second))}}); res.StatusCode != 303 {
			t.Fatalf("code for %s: %d", email, res.StatusCode)
		}
		return c
	}
	h, n := notes(t, signIn("coach@harbour.example")), notes(t, signIn("coach@north.example"))
	if !strings.Contains(h, "harbour's note") || strings.Contains(h, "north's note") || !strings.Contains(n, "north's note") || strings.Contains(n, "harbour's note") {
		t.Errorf("after the upgrade Harbour sees %q, North %q", h, n)
	}
	var left int
	if err := app.Plugins().PluginDB("example", 0).NewSelect().Table("example_notes").ColumnExpr("count(*)").Scan(t.Context(), &left); err != nil || left != 0 {
		t.Errorf("the schema file keeps %d rows (%v)", left, err)
	}
	files, _ := filepath.Glob(filepath.Join(plugins, "example", "*.db"))
	slices.Sort(files)
	if len(files) != 2 {
		t.Errorf("files per organisation: %v", files)
	}
	// Every file was migrated at this start, each in its own call.
	if m := strings.Count(app.Logs.String(), "plugin migration applied"); m != 0 {
		t.Errorf("%d migrations applied to files already up to date", m)
	}
}
