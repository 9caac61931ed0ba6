package pluginhost_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

// TestBrowserUploadedPagesNeverRun: a person uploads a web page holding a
// script through the plugin's form in Chromium, and opens it inline: it is
// shown, in a sandbox of its own origin, and its script does not run.
func TestBrowserUploadedPagesNeverRun(t *testing.T) {
	t.Parallel()
	app := filesApp(t, coretest.SQLite(t), "folder")
	dir := t.TempDir()
	page := filepath.Join(dir, "page.html")
	html := `<!DOCTYPE html><html><head><title>uploaded</title></head><body><p id="said">hello from the file</p>
<script>document.title = "ran"; document.body.dataset.ran = "yes"; fetch("/account").then(() => document.title = "fetched")</script>
<img src="x" onerror="document.title = 'handler ran'"></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := coretest.Browser(t)
	coretest.BrowserSignIn(t, ctx, app.URL, "coach@harbour.example", demo.Password, identity.CodeAt(demo.TOTPSecret, time.Now()))
	// The form of a use that takes web pages, sent as the browser sends it.
	coretest.Step(t, ctx, chromedp.Navigate(app.URL+"/m/filer/"), chromedp.WaitVisible("#doc"))
	coretest.Step(t, ctx, chromedp.SetUploadFiles("#page", []string{page}), chromedp.Click(`#pages-form button[type=submit]`))
	coretest.Wait(t, ctx, `document.querySelector("#files a") !== null`)
	href := coretest.Text(t, ctx, "#files")
	if !strings.Contains(href, "page.html") || !strings.Contains(href, "text/html") {
		t.Fatalf("the box: %q", href)
	}
	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#files a").getAttribute("href")`))
	if err != nil || !regexp.MustCompile(`^/m/filer/f/[0-9]+$`).MatchString(link) {
		t.Fatalf("link %q: %v", link, err)
	}
	coretest.Step(t, ctx, chromedp.Navigate(app.URL+link+"?inline=1"))
	coretest.Wait(t, ctx, `document.querySelector("#said") !== null`)
	time.Sleep(300 * time.Millisecond) // time for a script, a handler or a fetch to have run, had they been allowed
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.title, document.body.dataset.ran || "", String(window.origin), document.querySelector("#said").textContent]`))
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "uploaded" || got[1] != "" {
		t.Errorf("the file's script ran: title %q, mark %q", got[0], got[1])
	}
	if got[2] != "null" {
		t.Errorf("the file is shown in the portal's origin %q, not a sandbox", got[2])
	}
	if got[3] != "hello from the file" {
		t.Errorf("the file is not shown: %q", got[3])
	}
}
