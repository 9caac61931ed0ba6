package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

func TestRenderGivesPartialOnlyForPlainHTMXRequests(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		cases := []struct {
			name    string
			headers []string
			whole   bool
		}{
			{"browser", nil, true},
			{"htmx", []string{"HX-Request", "true"}, false},
			{"boosted", []string{"HX-Request", "true", "HX-Boosted", "true"}, true},
			{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, true},
		}
		for _, tc := range cases {
			res := app.Client(t).Get("/", tc.headers...)
			if res.StatusCode != 200 {
				t.Fatalf("%s: status %d", tc.name, res.StatusCode)
			}
			if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
				t.Errorf("%s: Vary = %q", tc.name, res.Header.Get("Vary"))
			}
			whole := res.Doc.Find("nav#nav").Length() == 1 && strings.HasPrefix(res.Body, "<!doctype html>")
			if whole != tc.whole {
				t.Errorf("%s: whole page = %v, want %v", tc.name, whole, tc.whole)
			}
			if got := res.Text("h1"); got != "Welcome to Harbour Coaching" {
				t.Errorf("%s: h1 = %q (the organisation comes from the database)", tc.name, got)
			}
		}
	})
}

func TestSecurityHeadersAndRequestID(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	for _, path := range []string{"/", "/nope", "/healthz"} {
		res := c.Get(path)
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP = %q", path, csp)
		}
		for header, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "strict-origin-when-cross-origin", "Cross-Origin-Opener-Policy": "same-origin",
		} {
			if got := res.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", path, header, got, want)
			}
		}
		if len(res.Header.Get("X-Request-ID")) != 16 {
			t.Errorf("%s: request id %q", path, res.Header.Get("X-Request-ID"))
		}
	}
	if got := c.Get("/", "X-Request-ID", "proxy-given-id-42").Header.Get("X-Request-ID"); got != "proxy-given-id-42" {
		t.Errorf("a sane incoming id should carry through, got %q", got)
	}
	if got := c.Get("/", "X-Request-ID", "<script>").Header.Get("X-Request-ID"); got == "<script>" {
		t.Error("an unsafe incoming id was echoed")
	}
	if res := c.Get("/"); res.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent although server.hsts is off")
	}
}

func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	for _, path := range []string{"/", "/about", "/nope"} {
		doc := c.Get(path).Doc
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, _ := s.Attr("src"); src == "" || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("%s: inline script %q", path, s.Text())
			}
		})
		if n := doc.Find("style, [style]").Length(); n > 0 {
			t.Errorf("%s: %d inline styles", path, n)
		}
		doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Key, "hx-on") {
					t.Errorf("%s: inline handler %s", path, a.Key)
				}
			}
		})
		// Every form field has a label, every page one h1.
		doc.Find("select, input:not([type=hidden]), textarea").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("id")
			if id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
				t.Errorf("%s: field %v has no label", path, s.Nodes[0].Attr)
			}
		})
		if n := doc.Find("h1").Length(); n != 1 {
			t.Errorf("%s: %d h1 elements", path, n)
		}
	}
}

func TestStaticAssetsAreFingerprintedAndCachedForAYear(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	css, _ := c.Get("/").Doc.Find(`link[rel=stylesheet]`).Attr("href")
	if !strings.HasPrefix(css, "/static/app.") || len(css) != len("/static/app.12345678.css") {
		t.Fatalf("stylesheet address %q is not fingerprinted", css)
	}
	res := c.Get(css, "Accept-Encoding", "identity")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") ||
		!strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("%s: %d %v", css, res.StatusCode, res.Header)
	}
	if !strings.Contains(res.Body, "--brand") {
		t.Error("stylesheet body missing")
	}
	req, _ := http.NewRequest(http.MethodGet, app.URL+css, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	gz, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	gz.Body.Close()
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Error("stylesheet not served compressed to a client that accepts gzip")
	}
	if res := c.Get("/static/app.00000000.css"); res.StatusCode != 404 {
		t.Errorf("stale fingerprint answered %d", res.StatusCode)
	}
	htmx, _ := c.Get("/").Doc.Find(`script[src*="htmx"]`).Attr("src")
	if res := c.Get(htmx); res.StatusCode != 200 || !strings.Contains(res.Body, "htmx") {
		t.Errorf("htmx at %q: %d", htmx, res.StatusCode)
	}
}

func TestErrorPagesRenderInTheLayout(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Before: func(a *core.App) {
		a.Router().Get("/explode", func(fiber.Ctx) error { panic("the secret stack") })
		a.Router().Get("/forbidden", func(fiber.Ctx) error { return fiber.ErrForbidden })
	}})
	c := app.Client(t)
	cases := []struct {
		path   string
		status int
		title  string
	}{
		{"/no/such/page", 404, "Page not found"},
		{"/forbidden", 403, "No access"},
		{"/explode", 500, "Something went wrong on our side"},
	}
	for _, tc := range cases {
		res := c.Get(tc.path)
		if res.StatusCode != tc.status || res.Text("h1") != tc.title {
			t.Errorf("%s: %d %q, want %d %q", tc.path, res.StatusCode, res.Text("h1"), tc.status, tc.title)
		}
		if res.Doc.Find("nav#nav a").Length() < 2 || res.Doc.Find("header .brand").Length() != 1 {
			t.Errorf("%s: error page is not in the layout", tc.path)
		}
	}
	res := c.Get("/explode")
	if strings.Contains(res.Body, "secret stack") || !strings.Contains(res.Body, res.Header.Get("X-Request-ID")) {
		t.Error("a 500 page must show the request id and never the error")
	}
	if res := c.Get("/no/such/page", "Accept-Language", "nl"); res.Text("h1") != "Pagina niet gevonden" {
		t.Errorf("Dutch 404: %q", res.Text("h1"))
	}
	if res := c.Get("/no/such/page", "HX-Request", "true"); res.StatusCode != 404 || res.Doc.Find("nav#nav").Length() != 0 {
		t.Error("an htmx request for a missing page should get the fragment alone")
	}
}

func TestCSRFIsRequiredForUnsafeMethods(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	c.Get("/") // receive the cookie
	form := url.Values{"locale": {"nl"}, "next": {"/about"}}

	missing := url.Values{"locale": {"nl"}, "_csrf": {""}}
	if res := c.PostForm("/language", missing); res.StatusCode != 403 || res.Text("h1") != "This form has expired" {
		t.Errorf("without token: %d %q", res.StatusCode, res.Text("h1"))
	}
	wrong := url.Values{"locale": {"nl"}, "_csrf": {strings.Repeat("x", 43)}}
	if res := c.PostForm("/language", wrong); res.StatusCode != 403 {
		t.Errorf("wrong token: %d", res.StatusCode)
	}
	if res := c.PostForm("/language", form, "Sec-Fetch-Site", "cross-site"); res.StatusCode != 403 {
		t.Errorf("cross-site: %d", res.StatusCode)
	}
	if res := c.PostForm("/language", form, "Origin", "https://evil.example"); res.StatusCode != 403 {
		t.Errorf("foreign origin: %d", res.StatusCode)
	}
	// Refused requests changed nothing: still English.
	if got := c.Get("/about").Text("h1"); got != "About Atrium" {
		t.Errorf("a refused request changed the language: %q", got)
	}
	// The header works as well as the field (that is how htmx sends it).
	res := c.PostForm("/language", url.Values{"locale": {"nl"}, "next": {"/about"}, "_csrf": {"ignored"}}, "X-CSRF-Token", c.CSRF())
	if res.StatusCode != 303 {
		t.Errorf("token in header: %d", res.StatusCode)
	}
}

func TestLanguageChoiceThenBrowserThenDefault(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	if got := c.Get("/about").Text("h1"); got != "About Atrium" {
		t.Errorf("default: %q", got)
	}
	if res := c.Get("/about", "Accept-Language", "nl-BE,nl;q=0.9,en;q=0.5"); res.Text("h1") != "Over Atrium" || res.Header.Get("Content-Language") != "nl" {
		t.Errorf("browser's Dutch: %q %q", res.Text("h1"), res.Header.Get("Content-Language"))
	}
	if got := c.Get("/about", "Accept-Language", "fr, de;q=0.5").Text("h1"); got != "About Atrium" {
		t.Errorf("unsupported languages fall back to the default: %q", got)
	}
	res := c.PostForm("/language", url.Values{"locale": {"nl"}, "next": {"/about"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/about" {
		t.Fatalf("choose Dutch: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	page := c.Get("/about", "Accept-Language", "en")
	if page.Text("h1") != "Over Atrium" || page.Text(".flash-success") != "Je taal is gewijzigd." {
		t.Errorf("the choice should beat the browser and be confirmed: %q / %q", page.Text("h1"), page.Text(".flash"))
	}
	if again := c.Get("/about"); again.Doc.Find(".flash").Length() != 0 {
		t.Error("the flash message showed twice")
	}
	if lang, _ := page.Doc.Find("html").Attr("lang"); lang != "nl" {
		t.Errorf("html lang = %q", lang)
	}
	// Bad input: unknown language and a redirect off the site change nothing.
	res = c.PostForm("/language", url.Values{"locale": {"xx"}, "next": {"//evil.example/"}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/" {
		t.Errorf("bad choice: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	after := c.Get("/about")
	if after.Text("h1") != "Over Atrium" || after.Text(".flash-error") == "" {
		t.Errorf("after a bad choice: %q, flash %q", after.Text("h1"), after.Text(".flash-error"))
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		c := app.Client(t)
		if res := c.Get("/healthz"); res.StatusCode != 200 || res.Body != "ok" {
			t.Errorf("healthz: %d %q", res.StatusCode, res.Body)
		}
		if res := c.Get("/readyz"); res.StatusCode != 200 || !strings.Contains(res.Body, "ready") {
			t.Errorf("readyz: %d %q", res.StatusCode, res.Body)
		}
		_ = app.DB().DB.DB.Close() // the database goes away
		if res := c.Get("/readyz"); res.StatusCode != 503 {
			t.Errorf("readyz without a database: %d", res.StatusCode)
		}
		if res := c.Get("/healthz"); res.StatusCode != 200 {
			t.Errorf("healthz must not depend on the database: %d", res.StatusCode)
		}
	})
}

func TestUnsafeRequestsAreRateLimited(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 3 }})
	c := app.Client(t)
	c.Get("/")
	for i := 0; i < 3; i++ {
		if res := c.PostForm("/language", url.Values{"locale": {"en"}}); res.StatusCode != 303 {
			t.Fatalf("request %d: %d", i+1, res.StatusCode)
		}
	}
	res := c.PostForm("/language", url.Values{"locale": {"en"}})
	if res.StatusCode != 429 || res.Text("h1") != "Too many requests" {
		t.Errorf("fourth request: %d %q", res.StatusCode, res.Text("h1"))
	}
	if res := c.Get("/"); res.StatusCode != 200 {
		t.Errorf("reading stays possible: %d", res.StatusCode)
	}
}

// TestRateLimitIsPerPerson: people signed in from one address (an office)
// each have their own limit.
func TestRateLimitIsPerPerson(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 6 }})
	coach, kim := app.Client(t), app.Client(t)
	coach.SignIn("coach@harbour.example")
	kim.SignIn("coachee@harbour.example")
	// Signing in counted too; the coach reaches the limit within six more.
	refused := 0
	for i := 0; i < 6 && refused == 0; i++ {
		if res := coach.PostForm("/language", url.Values{"locale": {"en"}}); res.StatusCode == 429 {
			refused = i + 1
		}
	}
	if refused < 4 {
		t.Errorf("the coach was refused at request %d (0: never)", refused)
	}
	if res := kim.PostForm("/language", url.Values{"locale": {"en"}}); res.StatusCode != 303 {
		t.Errorf("Kim, from the same address: %d", res.StatusCode)
	}
}

// TestProtocolRequestsAreNotRateLimited: a calendar app's burst of
// requests is not cut off by the limit on forms.
func TestProtocolRequestsAreNotRateLimited(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{
		Config: func(c *config.Config) { c.Server.RateLimit = 3 },
		Before: func(a *core.App) {
			a.Web().HandleProtocol("/dav/test/", "", func(c fiber.Ctx) error { return c.SendStatus(207) })
		},
	})
	ctx := context.Background()
	u, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
	pass, err := app.Identity().CreateAppPassword(ctx, u, "Calendar", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		req, _ := http.NewRequest("PROPFIND", app.URL+"/dav/test/", nil)
		req.SetBasicAuth("coach@harbour.example", pass)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 207 {
			t.Fatalf("request %d of the app: %d", i+1, res.StatusCode)
		}
	}
}

func TestOrganisationLanguageIsTheDefault(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	if _, err := app.DB().NewUpdate().Table("organisations").Set("locale = ?", "nl").Where("slug = ?", "harbour").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := app.Client(t)
	if got := c.Get("/about").Text("h1"); got != "Over Atrium" {
		t.Errorf("without a choice or a browser language the organisation's Dutch applies: %q", got)
	}
	if got := c.Get("/about", "Accept-Language", "en-GB").Text("h1"); got != "About Atrium" {
		t.Errorf("the browser's language beats the organisation's: %q", got)
	}
}

func TestFlashShowsOnce(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	c.Get("/about")
	c.PostForm("/language", url.Values{"locale": {"en"}, "next": {"/about"}})
	if first := c.Get("/about"); first.Doc.Find(".flash").Length() != 1 {
		t.Fatal("the flash did not show")
	}
	for _, path := range []string{"/about", "/"} {
		if again := c.Get(path); again.Doc.Find(".flash").Length() != 0 {
			t.Errorf("the flash showed again on %s", path)
		}
	}
}
