package announcements_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

// TestBrowserWritingAids: an administrator writes an announcement with the
// toolbar (the selection made bold), looks at the preview, and posts it:
// the announcement shows the formatting, and a script in it never runs.
func TestBrowserWritingAids(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	ctx := coretest.Browser(t)
	coretest.BrowserSignIn(t, ctx, app.URL, "admin@harbour.example", demo.Password, identity.CodeAt(demo.TOTPSecret, time.Now()))
	coretest.Step(t, ctx, chromedp.Navigate(app.URL+"/announcements"), chromedp.WaitVisible("#f-body"),
		chromedp.SendKeys("#f-title", "Closed on Friday"),
		chromedp.SendKeys("#f-body", "We are closed on Friday <img src=x onerror=\"document.title='ran'\">"))
	// Select "closed" and make it bold with the toolbar.
	coretest.Script(t, ctx, `var f = document.getElementById("f-body"); var i = f.value.indexOf("closed"); f.setSelectionRange(i, i + 6);`)
	coretest.Step(t, ctx, chromedp.Click(`[data-md="bold"]`))
	value, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-body").value`))
	if err != nil || value[:22] != "We are **closed** on F" {
		t.Fatalf("after Bold: %q %v", value, err)
	}
	coretest.Step(t, ctx, chromedp.Click(`.md-preview-button`))
	coretest.Wait(t, ctx, `document.querySelector("#f-body-preview strong") !== null`)
	if got := coretest.Text(t, ctx, "#f-body-preview strong"); got != "closed" {
		t.Errorf("preview: %q", got)
	}
	coretest.Step(t, ctx, chromedp.Click(`main form button[type=submit]`))
	coretest.Wait(t, ctx, `document.querySelector(".announcement-body strong") !== null`)
	if got := coretest.Text(t, ctx, ".announcement-body strong"); got != "closed" {
		t.Errorf("posted: %q", got)
	}
	title, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
	if title == "ran" {
		t.Error("a handler in the announcement ran")
	}
}
