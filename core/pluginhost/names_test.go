package pluginhost_test

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/pluginhost/wall"
)

// TestPluginIDsThatNameCoreTablesAreRefused is the fifth hostile review's
// takeover: a plugin's tables are <id>_…, and tables of an earlier layout
// named so moved into the plugin's schema at start, so a plugin called
// "mail" took the core's mail outbox (and read every reset link) and "bun"
// the core's migrations. Such an id is refused and the core keeps its
// tables.
func TestPluginIDsThatNameCoreTablesAreRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var bins []string
	for _, id := range []string{"mail", "bun"} {
		bin := filepath.Join(dir, id)
		cmd := exec.Command("go", "build", "-ldflags", "-X main.id="+id, "-o", bin, "./testdata/named")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", id, err, out)
		}
		bins = append(bins, bin)
	}
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bins...) }})
		for _, s := range app.Plugins().Plugins() {
			if s.State != pluginhost.StateFailed || !strings.Contains(s.Problem, "core's tables") && !strings.Contains(s.Problem, "reserved") {
				t.Errorf("plugin %s: %+v", s.Name, s)
			}
		}
		// The core still has its outbox: a reset link is mailed.
		visitor := app.Client(t)
		visitor.Get("/forgot")
		if res := visitor.PostForm("/forgot", url.Values{"email": {"coach@harbour.example"}}); res.StatusCode != 200 {
			t.Fatalf("forgot: %d", res.StatusCode)
		}
		app.MailedLink(t, "coach@harbour.example", "/reset/")
	})
}

// TestAFunctionNamedLikeTheScopeIsRefused is the sixth hostile review's
// PostgreSQL finding: the host let any function called atrium_scope stay
// in a plugin's schema, so a migration kept a SECURITY DEFINER one (taking
// an argument) that every call could run as the tables' owner, reading
// every organisation's rows. Only the host's own function stays; the
// plugin is refused.
func TestAFunctionNamedLikeTheScopeIsRefused(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "definer")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.id=definer -X main.definer=yes", "-o", bin, "./testdata/named")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	app := coretest.NewApp(t, coretest.Postgres(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	if st := app.Plugins().Plugins(); st[0].State != pluginhost.StateFailed || !strings.Contains(st[0].Problem, "function atrium_scope") {
		t.Errorf("a migration that keeps a function of the scope's name: %+v", st[0])
	}
}

// TestCoreTablesAreReserved keeps the reserved ids whole: the first word of
// every table the core makes is one, on both databases, so no plugin takes
// a core table of a name added later.
func TestCoreTablesAreReserved(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		var tables []string
		var err error
		if app.DB().Kind == "postgres" {
			err = app.DB().NewRaw(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`).Scan(t.Context(), &tables)
		} else {
			err = app.DB().NewRaw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'`).Scan(t.Context(), &tables)
		}
		if err != nil || len(tables) < 20 {
			t.Fatalf("the core's tables: %v %v", tables, err)
		}
		for _, table := range tables {
			first, _, _ := strings.Cut(table, "_")
			if !wall.Reserved(first) {
				t.Errorf("the core's table %s: %q is not a reserved plugin id (add it to reservedIDs)", table, first)
			}
		}
	})
}
