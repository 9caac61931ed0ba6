package pluginhost_test

import (
	"strconv"
	"testing"

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
		coretest.WithPlugins(b, c, true, coretest.BuildPlugin(b, "plugins/example"))
		c.Log.Level = "warn"
	}})
	c := app.Client(b)
	c.SignIn("coach@harbour.example")
	cookie := []string{"Cookie", c.CookieHeader()}
	for _, clients := range []int{1, 32} {
		for _, page := range []struct{ name, path string }{{"core", "/about"}, {"plugin", "/m/example/"}} {
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
