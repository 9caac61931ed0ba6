package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/web"
)

// TestBadTextIsRefusedOnEveryForm posts, to every form route of the core,
// every field name its pages use holding a NUL byte, invalid UTF-8, a
// control character or more text than any field takes. Each answers 422
// with a page that says what to look for (413 for the text too long), and
// nothing is written: a NUL byte once gave a 500 on both databases.
func TestBadTextIsRefusedOnEveryForm(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 1_000_000 }})
		ctx := context.Background()
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		fill := func(path string) string {
			for _, p := range []string{":id", ":uid", ":tid", ":org"} {
				path = strings.ReplaceAll(path, p, strconv.FormatInt(kim.ID, 10))
			}
			return strings.ReplaceAll(path, ":token", "no-such-token")
		}
		// Every field name the core's pages post.
		names := map[string]bool{}
		for _, r := range app.Web().Routes() {
			if r.Method != http.MethodGet || r.Stream || r.Rule.Level == web.AppPassword {
				continue
			}
			page := admin.Get(fill(r.Path))
			if page.Doc == nil {
				continue
			}
			page.Doc.Find("form [name]").Each(func(_ int, s *goquery.Selection) {
				if n := s.AttrOr("name", ""); n != "_csrf" {
					names[n] = true
				}
			})
		}
		if len(names) < 30 {
			t.Fatalf("only %d field names found", len(names))
		}
		countRows := func() int {
			n := 0
			for _, table := range []string{"audit_events", "users", "members", "dossiers", "dossier_tasks", "organisations", "roles", "notices"} {
				c, err := app.DB().NewSelect().Table(table).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				n += int(c)
			}
			return n
		}
		before := countRows()
		for _, bad := range []string{"a\x00b", "\xff\xfe", "bell\x07", "\x1b[31m", strings.Repeat("é", web.MaxFieldChars+1)} {
			form := url.Values{}
			for n := range names {
				form.Set(n, bad)
			}
			if len(bad) > 100 { // one overlong field is enough, and stays within the body limit
				form = url.Values{"note": {bad}}
			}
			for _, r := range app.Web().Routes() {
				if r.Method != http.MethodPost || r.Rule.Level == web.AppPassword {
					continue
				}
				res := admin.PostForm(fill(r.Path), form)
				status, heading := 422, "Some text could not be saved"
				if len(bad) > 100 {
					status, heading = 413, "Too large"
				}
				if res.StatusCode != status || res.Text("h1") != heading {
					t.Errorf("POST %s with %q: %d %q", r.Path, bad[:min(len(bad), 8)], res.StatusCode, res.Text("h1"))
				}
			}
		}
		if after := countRows(); after != before {
			t.Errorf("refused forms wrote %d rows", after-before)
		}
		// Fields with a purpose have limits of their own, said beside the field.
		long := strings.Repeat("x", 101)
		for path, form := range map[string]url.Values{
			"/people/invite": {"email": {"new@example.org"}, "given_name": {long}, "family_name": {"Vos"}, "role": {"coachee"}},
			"/organisation":  {"name": {"Harbour Coaching"}, "locale": {"en"}, "time_zone": {"Europe/Amsterdam"}, "street": {strings.Repeat("x", 201)}},
			"/settings":      {"given_name": {long}, "family_name": {"Vos"}, "locale": {"en"}, "time_zone": {"Europe/Amsterdam"}},
		} {
			if res := admin.PostForm(path, form); res.StatusCode != 422 || !strings.Contains(res.Text(".field-error"), "too long") && !strings.Contains(res.Text(".field-error"), "te lang") {
				t.Errorf("too long at %s: %d %q", path, res.StatusCode, res.Text(".field-error"))
			}
		}
		if after := countRows(); after != before {
			t.Errorf("refused forms wrote %d rows", after-before)
		}
		// An address parameter likewise; a search with a NUL byte is no 500.
		if res := admin.Get("/people?q=%00"); res.StatusCode != 400 {
			t.Errorf("search with a NUL byte: %d", res.StatusCode)
		}
		if res := admin.Get("/people?q=" + url.QueryEscape("Bakker")); res.StatusCode != 200 {
			t.Errorf("a good search: %d", res.StatusCode)
		}
	})
}
