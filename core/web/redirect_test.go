package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

// offSite are return addresses that browsers take to another host, each in
// a form a redirect once let through.
var offSite = []string{
	"//evil.example", "/\\evil.example", "/\t/evil.example", "/\r\n/evil.example", "/\n/evil.example",
	"/%09/evil.example", "/%2F/evil.example", "/%5Cevil.example", "/\\/evil.example", "\\/evil.example",
	"https://evil.example", "evil.example", " /evil", "/\x00/evil.example", "/\u2028/evil.example", "/%zz", "/\xff",
}

func TestLocalPathKeepsRedirectsOnSite(t *testing.T) {
	t.Parallel()
	for _, p := range offSite {
		if got := web.LocalPath(p); got != "/" {
			t.Errorf("LocalPath(%q) = %q", p, got)
		}
	}
	for _, p := range []string{"/", "/settings", "/people?q=a%20b&page=2", "/dossiers/4#notes", "/m/agenda/book?from=2026-12-07"} {
		if got := web.LocalPath(p); got != p {
			t.Errorf("LocalPath(%q) = %q", p, got)
		}
	}
}

// TestBrowserNextNeverLeavesTheSite signs in with each off-site "next" in
// Chromium and follows every redirect the sign-in and the language switch
// make: the browser stays on the portal.
func TestBrowserNextNeverLeavesTheSite(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	ctx := coretest.Browser(t)
	here := func(what string) {
		t.Helper()
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
		if err != nil || !strings.HasPrefix(href, app.URL+"/") {
			t.Errorf("%s: the browser is at %q (%v)", what, href, err)
		}
	}
	// Through the sign-in form, carrying the first one.
	coretest.Step(t, ctx, chromedp.Navigate(app.URL+"/signin?next="+url.QueryEscape(offSite[2])), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "coach@harbour.example"), chromedp.SendKeys("#f-password", demo.Password), chromedp.Click(`main button[type=submit]`))
	coretest.Wait(t, ctx, `document.querySelector("#f-code") !== null`)
	coretest.Step(t, ctx, chromedp.SendKeys("#f-code", identity.CodeAt(demo.TOTPSecret, time.Now())), chromedp.Click(`main button[type=submit]`))
	coretest.Wait(t, ctx, `document.querySelector("#f-code") === null`)
	here("after signing in with next=" + strconv.Quote(offSite[2]))
	// Signed in, the sign-in page sends straight on to next.
	for _, p := range offSite {
		_, _ = chromedp.Run(ctx, chromedp.Navigate(app.URL+"/signin?next="+url.QueryEscape(p))) // an off-site redirect fails to load
		coretest.Wait(t, ctx, `true`)
		here("next=" + strconv.Quote(p))
	}
}
