package pluginhost_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// BenchmarkPluginBoundary compares, in one run and on one server, the
// example plugin's page with a core page of the same weight (the About page:
// layout, translations, no data), one request at a time and under 32 clients.
// The difference is the cost of the plugin boundary: the gRPC round trip,
// the call context and the plugin's own template work.
func BenchmarkPluginBoundary(b *testing.B) {
	app := coretest.NewApp(b, coretest.SQLite(b), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(b, c, true, coretest.BuildPlugin(b, "plugins/example"), coretest.BuildPlugin(b, "core/pluginhost/testdata/hostile"))
		c.Log.Level = "warn"
	}})
	c := app.Client(b)
	c.SignIn("coach@harbour.example")
	cookie := []string{"Cookie", c.CookieHeader()}
	for _, clients := range []int{1, 32} {
		for _, page := range []struct{ name, path string }{{"core", "/about"}, {"plugin", "/m/example/"}, {"plugin-empty", "/m/hostile/bench?n=0"}} {
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
					if err := app.DB().QueryRowContext(ctx, "SELECT count(*) FROM hostile_items WHERE organisation_id = 1").Scan(&n); err != nil {
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
