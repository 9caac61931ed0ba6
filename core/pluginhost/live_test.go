package pluginhost_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

// TestBrowserNoticeArrivesLive: the coach has the start page open; a
// plugin leaves them a notice; the count in the navigation appears without
// a reload, through the tab's event stream.
func TestBrowserNoticeArrivesLive(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	b := coretest.Browser(t)
	coretest.BrowserSignIn(t, b, app.URL, "coach@harbour.example", demo.Password, identity.CodeAt(demo.TOTPSecret, time.Now()))
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/"), chromedp.WaitVisible("main h1"))
	coretest.Wait(t, b, `document.body.getAttribute("sse-connect") === "/events"`)
	app.WaitStreams(t, 1)
	if got := coretest.Text(t, b, `#nav a[href="/notices"] .badge-count`); got != "" {
		t.Fatalf("a count before any notice: %q", got)
	}
	me, _ := app.Identity().ByEmail(context.Background(), "coach@harbour.example")
	other := app.Client(t)
	other.SignIn("admin@harbour.example") // another account: the coach's code of this step is used
	if got := other.PostForm("/m/hostile/notify", url.Values{"user": {strconv.FormatInt(me.ID, 10)}, "message": {"hostile.title"}, "link": {"/m/hostile/bench"}}).Body; got != "ok" {
		t.Fatalf("the notice: %q", got)
	}
	coretest.Wait(t, b, `(document.querySelector('#nav a[href="/notices"] .badge-count') || {textContent: ""}).textContent.trim().startsWith("1")`)
}
