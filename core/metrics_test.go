package core_test

import (
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestMetricsOnTheirOwnAddress: the web server answers 404 for /metrics
// whatever X-Forwarded-For says (a proxy that forgets the header must not
// hand the figures to the world), and the metrics address answers
// Prometheus' text and nothing else.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		web := app.Client(t)
		for _, forwarded := range []string{"", "203.0.113.9", "127.0.0.1"} {
			var headers []string
			if forwarded != "" {
				headers = []string{"X-Forwarded-For", forwarded}
			}
			if res := web.Get("/metrics", headers...); res.StatusCode != 404 || strings.Contains(res.Body, "atrium_realtime") {
				t.Errorf("the web address with X-Forwarded-For %q: %d", forwarded, res.StatusCode)
			}
		}

		if app.MetricsURL == "" {
			t.Fatal("no metrics address")
		}
		scraper := coretest.NewClient(t, app.MetricsURL)
		res := scraper.Get("/metrics")
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") ||
			!strings.Contains(res.Body, "# TYPE atrium_realtime_streams gauge\natrium_realtime_streams 0\n") {
			t.Errorf("the metrics address: %d %q %s", res.StatusCode, res.Header.Get("Content-Type"), res.Body)
		}
		for _, path := range []string{"/", "/healthz", "/signin"} {
			if res := scraper.Get(path); res.StatusCode != 404 {
				t.Errorf("the metrics address serves %s: %d", path, res.StatusCode)
			}
		}
	})
}

// TestMetricsOff: an empty server.metrics_address opens no listener, and
// the web server still has no /metrics.
func TestMetricsOff(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{NoDemo: true, Config: func(c *config.Config) { c.Server.MetricsAddress = "" }})
	if app.MetricsAddr() != nil || app.MetricsURL != "" {
		t.Errorf("metrics are served at %v", app.MetricsAddr())
	}
	if res := app.Client(t).Get("/metrics"); res.StatusCode != 404 {
		t.Errorf("/metrics on the web address: %d", res.StatusCode)
	}
}
