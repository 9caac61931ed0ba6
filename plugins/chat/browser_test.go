package main

import (
	"strings"
	"testing"

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
	coretest.Wait(t, coachB, `document.body.getAttribute("sse-connect") === "/events"`)
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
	coretest.Step(t, coachB, chromedp.SendKeys("#chat-body", "Hello Kim"), chromedp.Click("#chat-send"))
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
