package pluginhost_test

import (
	"context"
	"html/template"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/web"
)

// BenchmarkPluginBoundary compares, in one run and on one server, the
// example plugin's page with the same page rendered inside the core (the same
// guard, the same query, the same template in the same layout), one request
// at a time and under 32 clients. The difference is the cost of the plugin
// boundary: the gRPC round trip, the call context, the tunnelled query and
// the copy of the fragment into the layout. The About page (layout, no data)
// and a plugin page that answers at once are the floors on either side.
func BenchmarkPluginBoundary(b *testing.B) {
	app := coretest.NewApp(b, coretest.SQLite(b), coretest.Options{
		Config: func(c *config.Config) {
			coretest.WithPlugins(b, c, true, coretest.BuildPlugin(b, "plugins/example"), coretest.BuildPlugin(b, "core/pluginhost/testdata/hostile"))
			c.Log.Level = "warn"
			// ATRIUM_PLUGINS_SANDBOX=off measures the same without the sandbox.
			if v := os.Getenv("ATRIUM_PLUGINS_SANDBOX"); v != "" {
				c.Plugins.Sandbox = v
			}
		},
		Before: mountCoreNotesPage(b),
	})
	c := app.Client(b)
	c.SignIn("coach@harbour.example")
	for i := 0; i < 5; i++ {
		if res := c.PostForm("/m/example/", url.Values{"text": {"Note " + strconv.Itoa(i)}}); res.StatusCode != 303 {
			b.Fatalf("adding a note: %d", res.StatusCode)
		}
	}
	core, plugin := c.Get("/bench/example"), c.Get("/m/example/")
	if core.StatusCode != 200 || plugin.StatusCode != 200 || core.Doc.Find("#example-notes li").Length() != plugin.Doc.Find("#example-notes li").Length() {
		b.Fatalf("the core's copy of the page differs from the plugin's: %d, %d", core.StatusCode, plugin.StatusCode)
	}
	cookie := []string{"Cookie", c.CookieHeader()}
	for _, clients := range []int{1, 32} {
		for _, page := range []struct{ name, path string }{{"core-same", "/bench/example"}, {"plugin", "/m/example/"}, {"core-about", "/about"}, {"plugin-empty", "/m/hostile/bench?n=0"}} {
			b.Run(page.name+"-"+strconv.Itoa(clients), func(b *testing.B) {
				coretest.Load(app.URL+page.path, clients, 200, cookie...)
				b.ResetTimer()
				r := coretest.Load(app.URL+page.path, clients, b.N, cookie...)
				b.StopTimer()
				if r.Errors > 0 {
					b.Fatalf("%d errors", r.Errors)
				}
				b.ReportMetric(r.PerSecond(), "req/s")
				b.ReportMetric(float64(r.P50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(r.P99.Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// mountCoreNotesPage adds to the core the example plugin's page as the core
// would render it itself: the same rule, the same query through bun, the
// example's own template and messages, pooled template clones as in the SDK.
func mountCoreNotesPage(b *testing.B) func(*core.App) {
	return func(app *core.App) {
		src, err := os.ReadFile(filepath.Join("..", "..", "plugins", "example", "templates", "index.html"))
		if err != nil {
			b.Fatal(err)
		}
		master := template.Must(template.New("index").Funcs(template.FuncMap{
			"t": func(string, ...any) string { return "" }, "csrf": func() template.HTML { return "" }, "url": func(string) string { return "" },
			"dict": func(kv ...any) map[string]any { return map[string]any{kv[0].(string): kv[1]} }, "join": strings.Join,
		}).Parse(string(src)))
		clones := sync.Pool{New: func() any { return template.Must(master.Clone()) }}
		type note struct {
			bun.BaseModel `bun:"table:example_notes"`
			ID            int64
			Text          string
			CreatedAt     time.Time
		}
		rule := web.Rule{Level: web.SignedIn, Need: "example.view", Module: "example"}
		app.Web().Handle("GET", "/bench/example", rule, func(c fiber.Ctx) error {
			v := web.CurrentViewer(c)
			var notes []note
			if err := app.Plugins().PluginDB("example", v.Org.ID).NewSelect().Model(&notes).ModelTableExpr(app.Plugins().Table("example", "example_notes")+" AS note").Where("organisation_id = ?", v.Org.ID).Order("id DESC").Limit(20).Scan(c.Context()); err != nil {
				return err
			}
			tmpl := clones.Get().(*template.Template)
			defer clones.Put(tmpl)
			loc := web.Localizer(c)
			tmpl.Funcs(template.FuncMap{"t": loc.T, "csrf": func() template.HTML { return "" }, "url": func(p string) string { return "/bench/example" + p }})
			var body strings.Builder
			data := map[string]any{"Name": v.User.Name(), "Roles": []string{"coach"}, "Notes": notes}
			if err := tmpl.Execute(&body, data); err != nil {
				return err
			}
			return app.Web().RenderFragment(c, 200, loc.T("example.title"), template.HTML(body.String()))
		})
	}
}

// BenchmarkQuery compares one query through the plugin tunnel (timed inside
// the plugin: SDK driver, gRPC to the host, the wall, the database) with the
// same query run directly by the core, on SQLite and PostgreSQL.
func BenchmarkQuery(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := coretest.SQLite(b)
			if kind == "postgres" {
				db = coretest.Postgres(b)
			}
			app := coretest.NewApp(b, db, coretest.Options{Config: func(c *config.Config) {
				coretest.WithPlugins(b, c, true, coretest.BuildPlugin(b, "core/pluginhost/testdata/hostile"))
				c.Log.Level = "warn"
			}})
			c := app.Client(b)
			c.SignIn("coach@harbour.example")
			// timedInPlugin reports the plugin's own timing of b.N calls.
			timedInPlugin := func(b *testing.B, query, unit string) {
				res := c.Get("/m/hostile/bench?" + query + "n=" + strconv.Itoa(b.N))
				ns, err := strconv.ParseFloat(res.Body, 64)
				if err != nil {
					b.Fatalf("%d %q", res.StatusCode, res.Body)
				}
				b.ReportMetric(ns/1000, unit)
			}
			b.Run("tunnelled", func(b *testing.B) { timedInPlugin(b, "", "µs/query") })
			// A host call that is not a query, for the bare round trip.
			b.Run("host-call", func(b *testing.B) { timedInPlugin(b, "call=people&", "µs/call") })
			b.Run("direct", func(b *testing.B) {
				ctx := context.Background()
				started := time.Now()
				for i := 0; i < b.N; i++ {
					var n int
					if err := app.Plugins().PluginDB("hostile", 1).QueryRowContext(ctx, "SELECT count(*) FROM "+app.Plugins().Table("hostile", "hostile_items")+" WHERE organisation_id = 1").Scan(&n); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(time.Since(started).Nanoseconds())/float64(b.N)/1000, "µs/query")
			})
		})
	}
}

// BenchmarkRoundTrip is one bare gRPC call from the host to a plugin and
// back (Health: no data, no database), the floor under every plugin call.
func BenchmarkRoundTrip(b *testing.B) {
	app := coretest.NewApp(b, coretest.SQLite(b), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(b, c, true, coretest.BuildPlugin(b, "plugins/example"))
		c.Log.Level = "warn"
	}})
	p := app.Plugins().Plugin("example")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
