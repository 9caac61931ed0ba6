package web_test

import (
	"html/template"
	"io/fs"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/web"
	"github.com/atriumhq/atrium/locales"
	"github.com/atriumhq/atrium/themes"
)

// loadClients is the number of concurrent connections of the load runs.
const loadClients = 32

// BenchmarkLoad measures whole requests through a running server under load
// on loopback: the themed start page (layout, translations, one database
// query), the same page as an htmx partial, and /healthz. b.N is the number
// of requests (make bench uses -benchtime 20000x). The load generator shares
// the machine's cores with the server, so the figures are a floor.
func BenchmarkLoad(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			var db config.Database
			if kind == "sqlite" {
				db = coretest.SQLite(b)
			} else {
				db = coretest.Postgres(b)
			}
			app := coretest.NewApp(b, db, coretest.Options{Config: func(c *config.Config) { c.Log.Level = "warn" }})
			admin := app.Client(b)
			admin.SignIn("admin@harbour.example")
			session := []string{"Cookie", admin.CookieHeader()}
			for _, page := range []struct {
				name, path string
				headers    []string
			}{
				{"page", "/", nil},
				{"partial", "/", []string{"HX-Request", "true"}},
				{"signed-in", "/", session},
				{"signed-in-settings", "/settings", session},
				{"healthz", "/healthz", nil},
			} {
				b.Run(page.name, func(b *testing.B) {
					coretest.Load(app.URL+page.path, loadClients, 500, page.headers...) // warm up
					b.ResetTimer()
					r := coretest.Load(app.URL+page.path, loadClients, b.N, page.headers...)
					b.StopTimer()
					if r.Errors > 0 {
						b.Fatalf("%d of %d requests failed", r.Errors, r.Requests)
					}
					b.ReportMetric(r.PerSecond(), "req/s")
					b.ReportMetric(float64(r.P50.Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(r.P90.Microseconds())/1000, "p90-ms")
					b.ReportMetric(float64(r.P99.Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}

// BenchmarkRender measures the template work of one whole start page alone,
// without HTTP or the database.
func BenchmarkRender(b *testing.B) {
	theme, _ := fs.Sub(themes.Files, "default")
	static, _ := fs.Sub(theme, "static")
	assets, err := web.LoadAssets(static)
	if err != nil {
		b.Fatal(err)
	}
	views, err := web.LoadViews(theme, assets)
	if err != nil {
		b.Fatal(err)
	}
	cat, _ := i18n.Load(locales.Files)
	loc := cat.Localizer("nl")
	view := &web.View{Page: web.Page{Template: "pages/home", Title: "home.title"}, Locale: "nl", Locales: cat.Locales(),
		Path: "/", Nav: []web.NavItem{{Label: "nav.home", Icon: "home", Path: "/"}, {Label: "nav.about", Icon: "info", Path: "/about"}},
		Shell: web.Shell{OrganisationName: "Harbour Coaching", Initials: "HC"}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body, err := views.Execute(loc, "pages/home", view)
			if err != nil {
				b.Fatal(err)
			}
			v := *view
			v.Content = template.HTML(body)
			if _, err := views.Execute(loc, "layouts/main", &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
