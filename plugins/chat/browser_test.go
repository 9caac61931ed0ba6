package main

import (
	"errors"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestBrowserChatLive is the story in two Chromium sessions: the
// coach and Kim chat live; an injected script and an image with onerror
// arrive as text; Kim signs out, the coach writes, and when she signs in
// again the count and the message wait for her.
func TestBrowserChatLive(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	codes := app.Client(t)
	kimB, coachB := coretest.Browser(t), coretest.Browser(t)
	coretest.BrowserSignIn(t, kimB, app.URL, "coachee@harbour.example", demo.Password, codes.FreshCode("coachee@harbour.example"))
	coretest.BrowserSignIn(t, coachB, app.URL, "coach@harbour.example", demo.Password, codes.FreshCode("coach@harbour.example"))

	// Kim opens a conversation with her coach from the chat page.
	coretest.Step(t, kimB, chromedp.Navigate(app.URL+"/m/chat/"), chromedp.WaitVisible("#chat-my-coach"), chromedp.Click("#chat-my-coach"))
	coretest.Wait(t, kimB, `document.querySelector("#chat-composer") !== null`)
	where, err := chromedp.Run(kimB, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	coretest.Step(t, coachB, chromedp.Navigate(app.URL+where), chromedp.WaitVisible("#chat-composer"))
	coretest.Wait(t, coachB, `document.body.hasAttribute("data-live-open")`)
	app.WaitStreams(t, 2)

	// Live, both ways; what a sender writes never runs.
	attack := `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`
	coretest.Step(t, kimB, chromedp.SendKeys("#chat-body", "Hello coach "+attack), chromedp.Click("#chat-send"))
	coretest.Wait(t, coachB, `[...document.querySelectorAll("#chat-messages .chat-body")].some(b => b.textContent.includes("Hello coach"))`)
	got := coretest.Text(t, coachB, "#chat-messages")
	if !strings.Contains(got, "<script>window.pwned=1</script>") || !strings.Contains(got, `onerror="window.pwned=2"`) {
		t.Errorf("the attack did not arrive as text: %q", got)
	}
	pwned, err := chromedp.Run(coachB, chromedp.Evaluate[bool](`window.pwned !== undefined || document.querySelector("#chat-messages img, #chat-messages script") !== null`))
	if err != nil || pwned {
		t.Errorf("the attack ran or became markup in the coach's page: %v %v", pwned, err)
	}
	coretest.Step(t, coachB, chromedp.SendKeys("#chat-body", "Hello Kim\r")) // Enter sends
	// The box is empty again and keeps the focus for the next message.
	coretest.Wait(t, coachB, `document.activeElement !== null && document.activeElement.id === "chat-body" && document.activeElement.value === ""`)
	coretest.Wait(t, kimB, `[...document.querySelectorAll("#chat-messages .chat-body")].some(b => b.textContent.includes("Hello Kim"))`)
	coretest.Shot(t, kimB, "chat-kim")

	// Kim goes; the coach writes; Kim comes back to a count and the message.
	coretest.BrowserSignOut(t, kimB)
	coretest.Step(t, coachB, chromedp.SendKeys("#chat-body", "Are you still there?"), chromedp.Click("#chat-send"))
	coretest.Wait(t, coachB, `[...document.querySelectorAll("#chat-messages .chat-body")].some(b => b.textContent.includes("still there"))`)
	coretest.BrowserSignIn(t, kimB, app.URL, "coachee@harbour.example", demo.Password, codes.FreshCode("coachee@harbour.example"))
	coretest.Wait(t, kimB, `(document.querySelector('#nav a[href="/m/chat/"] .badge-count') || {textContent: ""}).textContent.trim().startsWith("1")`)
	coretest.Step(t, kimB, chromedp.Click(`#nav a[href="/m/chat/"]`))
	coretest.Wait(t, kimB, `document.querySelector("#chat-conversations .badge-count") !== null`)
	coretest.Step(t, kimB, chromedp.Click(`#chat-conversations a`))
	coretest.Wait(t, kimB, `[...document.querySelectorAll("#chat-messages .chat-body")].some(b => b.textContent.includes("still there"))`)
}

// TestBrowserChatPanelSurvivesThePlugin: the chat opens in a side panel on
// any page; when the plugin hangs and is killed, the panel says the chat is
// away for a moment while the rest of the page keeps working, the plugin
// comes back, and no message is lost.
func TestBrowserChatPanelSurvivesThePlugin(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		c.Plugins.CallTimeout = time.Second
	}})
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	where := startChat(kim, "coach", "1").Header.Get("Location")
	if res := kim.PostForm(where+"/messages", url.Values{"body": {"Before the trouble"}}, "HX-Request", "true"); res.StatusCode != 200 {
		t.Fatalf("send: %d", res.StatusCode)
	}
	b := coretest.Browser(t)
	coretest.BrowserSignIn(t, b, app.URL, "coach@harbour.example", demo.Password, app.Client(t).FreshCode("coach@harbour.example"))
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/settings"), chromedp.WaitVisible("main h1"), chromedp.Click(".panel-button"))
	coretest.Wait(t, b, `!document.querySelector("#side-panel").hidden && document.querySelector("#chat-panel-title") !== null`)
	if got := coretest.Text(t, b, "#panel-body"); !strings.Contains(got, "Kim Bakker") {
		t.Errorf("the panel: %q", got)
	}

	// The plugin hangs: the panel says so, the page keeps working. The
	// process is held by a handle, not by its number: the host kills a hung
	// plugin itself, and the number it frees may belong to another process
	// by the time the test signals it.
	var pid int
	for _, p := range app.Plugins().Plugins() {
		if p.Name == "chat" {
			pid = p.PID
		}
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Release()
	if err := proc.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	coretest.Step(t, b, chromedp.Click(".panel-close"), chromedp.Click(".panel-button"))
	coretest.Wait(t, b, `!document.querySelector("#side-panel").hidden && document.querySelector("#panel-body").textContent.includes("Back in a moment")`)
	coretest.Step(t, b, chromedp.Click(`#nav a[href="/"]`))
	coretest.Wait(t, b, `location.pathname === "/" && document.querySelector("main h1") !== null`)

	// Killed, it comes back, with every message. The host kills a plugin
	// that misses its health check (plugins.call_timeout), so the hung one
	// may be gone already; if not, the test kills it. The deadline is only
	// there so that a plugin that never comes back fails the test.
	if err := proc.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	back := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && !back; time.Sleep(50 * time.Millisecond) {
		for _, p := range app.Plugins().Plugins() {
			back = back || (p.Name == "chat" && p.PID != pid && p.PID != 0 && kim.Get("/m/chat/").StatusCode == 200)
		}
	}
	if !back {
		t.Fatalf("the chat did not come back: %+v", app.Plugins().Plugins())
	}
	if res := kim.PostForm(where+"/messages", url.Values{"body": {"After the trouble"}}, "HX-Request", "true"); res.StatusCode != 200 {
		t.Fatalf("send after: %d", res.StatusCode)
	}
	// The new message's count reaches the button live; the button opens the
	// panel again (once htmx has taken up the refreshed navigation).
	coretest.Wait(t, b, `(document.querySelector(".panel-button .badge-count") || {textContent: ""}).textContent.trim().startsWith("2")`)
	coretest.Wait(t, b, `(() => { const d = document.querySelector(".panel-button")["htmx-internal-data"]; return !!(d && d.initHash); })()`)
	coretest.Step(t, b, chromedp.Click(".panel-close"), chromedp.Click(".panel-button"))
	coretest.Wait(t, b, `!document.querySelector("#side-panel").hidden && document.querySelector("#chat-panel-title") !== null && document.querySelector("#chat-conversations a") !== null`)
	coretest.Step(t, b, chromedp.Click("#chat-conversations a"))
	coretest.Wait(t, b, `document.querySelector("#chat-messages") !== null`)
	if got := coretest.Text(t, b, "#chat-messages"); !strings.Contains(got, "Before the trouble") || !strings.Contains(got, "After the trouble") {
		t.Errorf("messages after the plugin came back: %q", got)
	}
}
