package writing_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestPreview: the editor's preview renders Markdown inertly, for members
// only, with the form's token; bad requests change nothing and say so.
func TestPreview(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		res := kim.PostForm("/markdown/preview", url.Values{"field": {"body"}, "body": {"**hello** <script>alert(1)</script> [x](javascript:alert(1)) @chris"}}, "HX-Request", "true")
		if res.StatusCode != 200 || !strings.Contains(res.Body, "<strong>hello</strong>") {
			t.Fatalf("preview: %d %q", res.StatusCode, res.Body)
		}
		for _, bad := range []string{"<script", "javascript:"} {
			if strings.Contains(res.Body, bad) {
				t.Errorf("the preview carries %s: %q", bad, res.Body)
			}
		}
		if empty := kim.PostForm("/markdown/preview", url.Values{"field": {"body"}, "body": {"  "}}); !strings.Contains(empty.Body, "Nothing to preview") {
			t.Errorf("empty: %q", empty.Body)
		}
		if bad := kim.PostForm("/markdown/preview", url.Values{"body": {"x"}}); bad.StatusCode != 400 {
			t.Errorf("no field named: %d", bad.StatusCode)
		}
		if forged := kim.PostForm("/markdown/preview", url.Values{"field": {"body"}, "body": {"x"}, "_csrf": {"forged"}}); forged.StatusCode != 403 {
			t.Errorf("a forged token: %d", forged.StatusCode)
		}
		stranger := app.Client(t)
		stranger.Get("/signin")
		if res := stranger.PostForm("/markdown/preview", url.Values{"field": {"body"}, "body": {"x"}}); res.StatusCode == 200 {
			t.Errorf("signed out: %d", res.StatusCode)
		}
	})
}
