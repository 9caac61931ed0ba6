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
	"github.com/atriumhq/atrium/core/realtime"
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
	coretest.Wait(t, b, `document.body.hasAttribute("data-live-open")`)
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
	coretest.Shot(t, b, "notice-arrives-live")
}

// TestBrowserStreamFollowsThePage: the coach moves from the start page to
// a plugin's page by a boosted link; the tab's stream takes up the topics
// the page listens to (and none the host left out), and the coach shows
// as away while the tab is hidden.
func TestBrowserStreamFollowsThePage(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		c.Server.AwayAfter = 300 * time.Millisecond
	}})
	ctx := context.Background()
	me, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
	kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
	org := app.OrgOf(t, me.ID)
	b := coretest.Browser(t)
	coretest.BrowserSignIn(t, b, app.URL, "coach@harbour.example", demo.Password, identity.CodeAt(demo.TOTPSecret, time.Now()))
	coretest.Wait(t, b, `document.body.hasAttribute("data-live-open")`)
	app.WaitStreams(t, 1)

	live := "/m/hostile/live?user=" + strconv.FormatInt(kim.ID, 10)
	coretest.Script(t, b, `window.sameTab = true;
		var a = document.createElement('a');
		a.id = 'go-live'; a.href = '`+live+`'; a.textContent = 'Live';
		document.getElementById('main').appendChild(a);
		htmx.process(a);`)
	coretest.Step(t, b, chromedp.Click("#go-live"), chromedp.WaitReady("#live-list"))
	coretest.Wait(t, b, `window.sameTab === true`) // a boosted navigation, not a new page
	publish := func(topic, name, html string) {
		t.Helper()
		if err := app.Publish(ctx, realtime.Event{OrganisationID: org, Topic: topic, Name: name, Data: html}); err != nil {
			t.Fatal(err)
		}
	}
	// Published after the page was made, perhaps before the tab tuned its
	// stream: it arrives either way.
	publish("room:example:notes", "hostile.live", "<li>another plugin's room</li>")
	publish("user:"+strconv.FormatInt(kim.ID, 10), "hostile.user", "<li>Kim's own</li>")
	publish("dossier:999999", "hostile.live", "<li>a dossier the coach cannot open</li>")
	publish("room:hostile:live", "hostile.live", `<li id="mine">the page's room</li>`)
	coretest.Wait(t, b, `document.querySelector("#live-list li") !== null`)
	if got := coretest.Text(t, b, "#live-list"); got != "the page's room" {
		t.Errorf("the page heard %q", got)
	}
	if got := coretest.Text(t, b, "#user-list"); got != "" {
		t.Errorf("the page heard Kim's topic: %q", got)
	}

	presence := func(want realtime.State) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); app.Realtime().Presence(org, []int64{me.ID})[me.ID] != want; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the coach is %v, want %v", app.Realtime().Presence(org, []int64{me.ID})[me.ID], want)
			}
		}
	}
	hide := func(hidden bool) {
		t.Helper()
		coretest.Script(t, b, `Object.defineProperty(document, 'hidden', {configurable: true, get: function () { return `+strconv.FormatBool(hidden)+` }});
			document.dispatchEvent(new Event('visibilitychange'));`)
	}
	presence(realtime.Here)
	hide(true)
	presence(realtime.Away)
	hide(false)
	presence(realtime.Here)

	// A page that goes says so: its stream ends at once, not at the
	// server's next ping twenty seconds on.
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/about"))
	coretest.Wait(t, b, `document.body.hasAttribute("data-live-open")`)
	for deadline := time.Now().Add(5 * time.Second); app.Realtime().Stats().Open != 1; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the old page's stream is still open: %+v", app.Realtime().Stats())
		}
	}
}
