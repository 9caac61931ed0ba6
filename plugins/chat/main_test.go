package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/web"
	"github.com/atriumhq/atrium/plugins/chat/internal/conversation"
)

// TestChatThroughTheHost: Kim writes to her coach; each sees the message
// live in their open tab (escaped: a script arrives as text), the coach's
// navigation counts it until he reads it, bad input and speed are refused
// with a reason, one's own message can be edited and deleted (nobody
// else's), and a message to someone with no tab open leaves them a notice.
func TestChatThroughTheHost(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		coach, kim := app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim.SignIn("coachee@harbour.example")
		start := startChat(kim, "coach", "1")
		where := start.Header.Get("Location")
		if start.StatusCode != 303 || !strings.HasPrefix(where, "/m/chat/c/") {
			t.Fatalf("Kim writes to her coach: %d %q", start.StatusCode, where)
		}
		if again := startChat(kim, "coach", "1").Header.Get("Location"); again != where {
			t.Errorf("a second conversation with the same person: %q and %q", where, again)
		}
		for _, bad := range [][2]string{{"user", "1"}, {"dossier", "999999"}, {"", ""}} {
			if res := startChat(kim, bad[0], bad[1]); res.StatusCode != 404 {
				t.Errorf("starting with %s=%s: %d", bad[0], bad[1], res.StatusCode)
			}
		}
		id := where[strings.LastIndex(where, "/")+1:]
		event := "chat.c" + id
		coachTab, kimTab := coach.Stream("/events"), kim.Stream("/events")
		app.WaitStreams(t, 2)
		send := func(c *coretest.Client, body string) *coretest.Response {
			return c.PostForm(where+"/messages", url.Values{"body": {body}}, "HX-Request", "true")
		}
		if res := send(kim, "Hello @chris, see https://example.org/a?b=1 <script>alert(1)</script><img src=x onerror=alert(2)>"); res.StatusCode != 200 {
			t.Fatalf("send: %d %s", res.StatusCode, res.Body)
		}
		for name, tab := range map[string]*coretest.EventStream{"coach": coachTab, "Kim": kimTab} {
			e := next(t, tab, event)
			// The reader's copy may become a desktop notification; the
			// sender's own never does.
			if notify := strings.Contains(e.Data, "data-notify="); notify != (name == "coach") {
				t.Errorf("%s's copy offers a desktop notification: %v", name, notify)
			}
			if strings.Contains(e.Data, "<script") || strings.Contains(e.Data, "<img") || !strings.Contains(e.Data, "&lt;script&gt;") ||
				!strings.Contains(e.Data, `href="https://example.org/a?b=1"`) || !strings.Contains(e.Data, `<mark class="mention">@chris</mark>`) {
				t.Errorf("%s's tab got: %s", name, e.Data)
			}
		}
		if got := coach.Get("/").Text(`#nav a[href="/m/chat/"] .badge-count`); !strings.HasPrefix(got, "1") {
			t.Errorf("the coach's unread count: %q", got)
		}
		page := coach.Get(where)
		if page.StatusCode != 200 || !strings.Contains(page.Text("#chat-messages"), "<script>alert(1)</script>") || page.Doc.Find("#chat-messages script").Length() != 0 {
			t.Errorf("the conversation: %d %q", page.StatusCode, page.Text("#chat-messages"))
		}
		// The coach goes from the conversation to Kim's dossier; Kim has no such way.
		if href, _ := page.Doc.Find("#chat-dossier").Attr("href"); href != "/dossiers/"+strconv.FormatInt(app.DossierOf(t, "coachee@harbour.example"), 10) {
			t.Errorf("the way to Kim's dossier: %q", href)
		}
		if kim.Get(where).Doc.Find("#chat-dossier").Length() != 0 {
			t.Error("Kim is offered her coach's dossier")
		}
		if got := coach.Get("/").Text(`#nav a[href="/m/chat/"] .badge-count`); got != "" {
			t.Errorf("the count after reading: %q", got)
		}
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		if res := admin.Get(where); res.StatusCode != 404 {
			t.Errorf("someone else opens the conversation: %d", res.StatusCode)
		}
		for _, path := range []string{"/messages", "/typing", "/read"} {
			if res := admin.PostForm(where+path, url.Values{"body": {"intruding"}}, "HX-Request", "true"); res.StatusCode != 404 {
				t.Errorf("someone else posts to %s: %d", path, res.StatusCode)
			}
		}
		if res := admin.Get(where+"/older?before=999", "HX-Request", "true"); res.StatusCode != 404 {
			t.Errorf("someone else reads older messages: %d", res.StatusCode)
		}
		if res := admin.Get(where+"/presence", "HX-Request", "true"); res.StatusCode != 404 {
			t.Errorf("someone else reads the conversation's presence: %d", res.StatusCode)
		}
		// Bad input and speed.
		for _, bad := range []struct {
			body   string
			status int
		}{{"", 422}, {"   ", 422}, {strings.Repeat("x", 4001), 413}} {
			if res := send(kim, bad.body); res.StatusCode != bad.status || res.Text("#chat-error") == "" {
				t.Errorf("sending %.10q…: %d", bad.body, res.StatusCode)
			}
		}
		// Text that is not valid never reaches the chat: the core refuses it.
		if res := send(kim, "a\xffb"); res.StatusCode != 422 || res.Text("h1") != "Some text could not be saved" {
			t.Errorf("sending text that is not valid: %d %q", res.StatusCode, res.Text("h1"))
		}
		// Edit and delete: one's own, within the time; nobody else's.
		page = kim.Get(where)
		edit, _ := page.Doc.Find(`#chat-messages form[action$="/edit"]`).Attr("action")
		if edit == "" {
			t.Fatalf("no edit form on Kim's message")
		}
		if res := coach.PostForm(edit, url.Values{"body": {"taken over"}}, "HX-Request", "true"); res.StatusCode != 404 {
			t.Errorf("the coach edits Kim's message: %d", res.StatusCode)
		}
		if res := kim.PostForm(edit, url.Values{"body": {"Hello again"}}, "HX-Request", "true"); res.StatusCode != 200 {
			t.Errorf("editing: %d", res.StatusCode)
		}
		if e := next(t, coachTab, event); !strings.Contains(e.Data, "Hello again") || !strings.Contains(e.Data, "hx-swap-oob") || !strings.Contains(e.Data, "edited") {
			t.Errorf("the edit in the coach's tab: %s", e.Data)
		}
		del := strings.Replace(edit, "/edit", "/delete", 1)
		if res := kim.PostForm(del, url.Values{}, "HX-Request", "true"); res.StatusCode != 200 {
			t.Errorf("deleting: %d", res.StatusCode)
		}
		if e := next(t, coachTab, event); strings.Contains(e.Data, "Hello again") || !strings.Contains(e.Data, "deleted") {
			t.Errorf("the deletion in the coach's tab: %s", e.Data)
		}
		// Kim turns away from her tab: the coach sees her away, and a
		// message now leaves her a notice too.
		heading := func() string { return coach.Get(where+"/presence", "HX-Request", "true").Body }
		if h := heading(); !strings.Contains(h, "presence online") {
			t.Errorf("Kim's presence with her tab in view: %s", h)
		}
		notices := func() int { return strings.Count(kim.Get("/notices").Text("main"), "new message") }
		before := notices()
		if res := kim.PostForm("/events/tune", url.Values{"stream": {kimTab.Token}, "away": {"1"}}); res.StatusCode != 204 {
			t.Fatalf("away: %d", res.StatusCode)
		}
		for deadline := time.Now().Add(60 * time.Second); !strings.Contains(heading(), "presence away"); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("Kim is not away: %s", heading())
			}
		}
		if res := send(coach, "Still with me?"); res.StatusCode != 200 {
			t.Fatalf("send: %d", res.StatusCode)
		}
		if after := notices(); after != before+1 {
			t.Errorf("notices while Kim was away: %d then %d", before, after)
		}
		next(t, kimTab, event) // her tab still gets the message
		// Kim goes away; the coach's message waits, with a notice.
		kimTab.Close()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if app.Realtime().Stats().Open == 1 {
				break
			}
			send(coach, "ping") // a write finds the closed tab
			if time.Now().After(deadline) {
				t.Fatal("Kim's tab stays open")
			}
		}
		if res := send(coach, "Are you there?"); res.StatusCode != 200 {
			t.Fatalf("send: %d", res.StatusCode)
		}
		if got := kim.Get("/notices").Text("main"); !strings.Contains(got, "new message") {
			t.Errorf("Kim's notices: %q", got)
		}
		later := kim.Get(where)
		if !strings.Contains(later.Text("#chat-messages"), "Are you there?") {
			t.Errorf("the waiting message: %q", later.Text("#chat-messages"))
		}
	})
}

// TestChatBetweenColleagues: a colleague's page offers to write to them;
// a coachee's page does not, and a link to a coachee is refused.
func TestChatBetweenColleagues(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	ctx := t.Context()
	coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
	kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
	page := admin.Get("/people/" + strconv.FormatInt(coach.ID, 10))
	if page.StatusCode != 200 || page.Doc.Find("#chat-write-colleague").Length() != 1 {
		t.Fatalf("the coach's page offers no message: %d", page.StatusCode)
	}
	if res := submit(t, admin, page, "#chat-write-colleague"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/m/chat/c/") {
		t.Errorf("writing to a colleague: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := admin.Get("/people/" + strconv.FormatInt(kim.ID, 10)).Doc.Find("#chat-write-colleague").Length(); n != 0 {
		t.Errorf("a coachee's page offers a colleague's message")
	}
	if res := startChat(admin, "user", strconv.FormatInt(kim.ID, 10)); res.StatusCode != 404 {
		t.Errorf("writing to a coachee as a colleague: %d", res.StatusCode)
	}
}

// TestChatStartsOnlyOnPost: every way to start a conversation is a form
// that posts with the CSRF token; an address that names someone to write
// to (a link from before, an image, a prefetch) shows the button and makes
// nothing, and neither does a post without the token. Counted in the
// table through the real host, on both databases.
func TestChatStartsOnlyOnPost(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		ctx := t.Context()
		count := func() int64 {
			t.Helper()
			n, err := app.Plugins().PluginDB("chat", app.DemoOrg(t)).NewSelect().Table(app.Plugins().Table("chat", "chat_conversations")).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		kim, coach, admin := app.Client(t), app.Client(t), app.Client(t)
		kim.SignIn("coachee@harbour.example")
		coach.SignIn("coach@harbour.example")
		admin.SignIn("admin@harbour.example")
		chris, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		dossier := strconv.FormatInt(app.DossierOf(t, "coachee@harbour.example"), 10)

		// Where the buttons are: each in a form that posts with the token,
		// none a link.
		type place struct {
			who          *coretest.Client
			path, button string
		}
		places := []place{
			{kim, "/m/chat/", "#chat-my-coach"},
			{kim, "/dossiers/" + dossier, "#chat-own-write"},
			{coach, "/dossiers/" + dossier, "#chat-write"},
			{admin, "/people/" + strconv.FormatInt(chris.ID, 10), "#chat-write-colleague"},
		}
		for _, p := range places {
			page := p.who.Get(p.path)
			button := page.Doc.Find(p.button)
			form := button.Closest(`form[method="post"][action="/m/chat/start"]`)
			if page.StatusCode != 200 || !button.Is(`button[type="submit"]`) || form.Find(`input[name="_csrf"]`).Length() != 1 {
				t.Errorf("%s on %s: %d, not a button posting with the token: %s", p.button, p.path, page.StatusCode, page.Body)
			}
			if n := page.Doc.Find(`a[href*="/m/chat/start"]`).Length(); n != 0 {
				t.Errorf("%s still links to start a conversation (%d)", p.path, n)
			}
		}
		if n := kim.Get("/m/chat/panel", "HX-Request", "true").Doc.Find(`form[action="/m/chat/start"] #chat-my-coach`).Length(); n != 1 {
			t.Errorf("the panel's button: %d", n)
		}

		// Addresses of the old links: a page with the button, nothing made.
		gets := []struct {
			who  *coretest.Client
			path string
		}{
			{kim, "/m/chat/start?coach=1"},
			{coach, "/m/chat/start?dossier=" + dossier},
			{admin, "/m/chat/start?user=" + strconv.FormatInt(chris.ID, 10)},
		}
		for _, g := range gets {
			res := g.who.Get(g.path)
			if res.StatusCode != 200 || res.Header.Get("Location") != "" || res.Doc.Find(`form[method="post"][action="/m/chat/start"] #chat-start`).Length() != 1 {
				t.Errorf("GET %s: %d %q", g.path, res.StatusCode, res.Header.Get("Location"))
			}
			if n := count(); n != 0 {
				t.Fatalf("GET %s made %d conversations", g.path, n)
			}
		}
		if res := kim.Get("/m/chat/start?user=" + strconv.FormatInt(chris.ID, 10)); res.StatusCode != 404 {
			t.Errorf("a coachee asks to write to a colleague: %d", res.StatusCode)
		}
		// A post without the token, as another site's form would send it.
		if res := kim.PostForm("/m/chat/start", url.Values{"coach": {"1"}, "_csrf": {"forged"}}); res.StatusCode != 403 {
			t.Errorf("a post without the token: %d", res.StatusCode)
		}
		if n := count(); n != 0 {
			t.Fatalf("refused requests made %d conversations", n)
		}

		// The buttons, pressed: one conversation per pair.
		for _, p := range places {
			res := submit(t, p.who, p.who.Get(p.path), p.button)
			if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/m/chat/c/") {
				t.Errorf("%s on %s: %d %q", p.button, p.path, res.StatusCode, res.Header.Get("Location"))
			}
		}
		if n := count(); n != 2 {
			t.Errorf("conversations after Kim and her coach, and the administrator and the coach, started theirs: %d", n)
		}
		// With htmx (a boosted form) the answer sends the tab there.
		if res := kim.PostForm("/m/chat/start", url.Values{"coach": {"1"}}, "HX-Request", "true", "HX-Boosted", "true"); res.StatusCode != 204 || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/m/chat/c/") {
			t.Errorf("a boosted start: %d %q", res.StatusCode, res.Header.Get("HX-Redirect"))
		}
	})
}

// TestChatOversizedMessage: a message beyond the limit, at any size, is
// refused as too large (413) with a reason in the person's language and
// leaves nothing behind: a near miss is the chat's to refuse (its composer
// says why); a body beyond what any form field takes is the core's (before
// the plugin, which gRPC used to refuse as if the plugin were down: 503),
// and beyond the server's body limit Fiber's. A message at the limit goes
// through. On both databases.
func TestChatOversizedMessage(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		var bodyLimit int
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
			coretest.WithPlugins(t, c, true, bin)
			bodyLimit = c.Server.BodyLimitMB << 20
		}})
		ctx := t.Context()
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		where := startChat(kim, "coach", "1").Header.Get("Location")
		stored := func() []string {
			t.Helper()
			var bodies []string
			if err := app.Plugins().PluginDB("chat", app.DemoOrg(t)).NewSelect().Table(app.Plugins().Table("chat", "chat_messages")).Column("body").Order("id").Scan(ctx, &bodies); err != nil {
				t.Fatal(err)
			}
			return bodies
		}
		// filler makes a form body of exactly size bytes with the token.
		filler := func(size int) string {
			return strings.Repeat("x", size-len(url.Values{"_csrf": {kim.CSRF()}, "body": {""}}.Encode()))
		}
		atLimit := strings.Repeat("ö", conversation.MaxLength) // characters, not bytes
		if res := kim.PostForm(where+"/messages", url.Values{"body": {atLimit}}, "HX-Request", "true"); res.StatusCode != 200 {
			t.Fatalf("a message at the limit: %d %s", res.StatusCode, res.Text("#chat-error"))
		}
		if got := stored(); len(got) != 1 || got[0] != atLimit {
			t.Fatalf("the message at the limit was not kept whole: %d messages", len(got))
		}
		edit, _ := kim.Get(where).Doc.Find(`#chat-messages form[action$="/edit"]`).Attr("action")
		for _, lang := range []struct {
			locale, chat, host string
		}{
			{"en", "A message holds at most 4,000 characters.", "Too large"},
			{"nl", "Een bericht heeft hoogstens 4000 tekens.", "Te groot"},
		} {
			if res := kim.PostForm("/language", url.Values{"locale": {lang.locale}, "next": {"/"}}); res.StatusCode != 303 {
				t.Fatalf("choosing %s: %d", lang.locale, res.StatusCode)
			}
			for _, c := range []struct {
				name, body string
				host       bool // the host refuses it, not the chat
			}{
				{"one character too many", atLimit + "x", false},
				{"beyond what any field takes", strings.Repeat("x", web.MaxFieldChars+1), true},
				{"as large as the host hands on", filler(pluginhost.MaxRequest), true},
				{"a byte more", filler(pluginhost.MaxRequest + 1), true},
				{"5 MiB, once a 503", strings.Repeat("x", 5<<20), true},
			} {
				res := kim.PostForm(where+"/messages", url.Values{"body": {c.body}}, "HX-Request", "true")
				if res.StatusCode != 413 {
					t.Errorf("%s, %s: %d", lang.locale, c.name, res.StatusCode)
					continue
				}
				if got := res.Text("#chat-error"); !c.host && got != lang.chat {
					t.Errorf("%s, %s: the chat says %q", lang.locale, c.name, got)
				}
				if got := res.Text("h1"); c.host && got != lang.host {
					t.Errorf("%s, %s: the host says %q", lang.locale, c.name, got)
				}
			}
			// Beyond the server's body limit no more than its first few KiB
			// are read: the answer comes before the rest is sent.
			if code, heading := beyondBodyLimit(t, app, kim, where+"/messages", bodyLimit); code != 413 || heading != lang.host {
				t.Errorf("%s, beyond the body limit: %d %q", lang.locale, code, heading)
			}
			if res := kim.PostForm(edit, url.Values{"body": {atLimit + "x"}}, "HX-Request", "true"); res.StatusCode != 413 || res.Text("h1") != lang.host {
				t.Errorf("%s, an edit one character too long: %d %q", lang.locale, res.StatusCode, res.Text("h1"))
			}
		}
		if got := stored(); len(got) != 1 || got[0] != atLimit {
			t.Errorf("oversized messages changed what was kept: %d messages", len(got))
		}
		// The chat is still there for the next message.
		if res := kim.PostForm(where+"/messages", url.Values{"body": {"Shorter now"}}, "HX-Request", "true"); res.StatusCode != 200 {
			t.Errorf("a message after the refusals: %d", res.StatusCode)
		}
	})
}

// beyondBodyLimit sends a message whose Content-Length is beyond the
// server's body limit (limit bytes), with the headers htmx sends, and reads the answer
// the server gives without reading the body: its status and heading. (Go's
// client would still be writing the body when the server closes.)
func beyondBodyLimit(t *testing.T, app *coretest.App, c *coretest.Client, path string, limit int) (int, string) {
	t.Helper()
	u, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nCookie: " + c.CookieHeader() + "\r\nX-CSRF-Token: " + c.CSRF() +
		"\r\nHX-Request: true\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(limit+1) + "\r\n\r\nbody=" + strings.Repeat("x", 16<<10)
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, strings.TrimSpace(doc.Find("h1").First().Text())
}

// TestChatAcrossInstances: two servers on one PostgreSQL database, each
// with its own chat plugin process; Kim writes on one, the coach's tab on
// the other gets the message live.
func TestChatAcrossInstances(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	db := coretest.Postgres(t)
	key := strings.Repeat("cd", 32) // instances of one installation share the key
	one := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		c.Security.SecretKey = key
	}})
	two := coretest.NewApp(t, db, coretest.Options{NoDemo: true, Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		c.Security.SecretKey = key
	}})
	kim, coach := one.Client(t), two.Client(t)
	kim.SignIn("coachee@harbour.example")
	coach.SignIn("coach@harbour.example")
	where := startChat(kim, "coach", "1").Header.Get("Location")
	if !strings.HasPrefix(where, "/m/chat/c/") {
		t.Fatalf("start: %q", where)
	}
	tab := coach.Stream("/events")
	two.WaitStreams(t, 1)
	if res := kim.PostForm(where+"/messages", url.Values{"body": {"Across the instances"}}, "HX-Request", "true"); res.StatusCode != 200 {
		t.Fatalf("send on the first: %d", res.StatusCode)
	}
	if e := next(t, tab, "chat.c"+where[strings.LastIndex(where, "/")+1:]); !strings.Contains(e.Data, "Across the instances") {
		t.Errorf("on the second: %s", e.Data)
	}
	if got := coach.Get(where).Text("#chat-messages"); !strings.Contains(got, "Across the instances") {
		t.Errorf("the conversation on the second: %q", got)
	}
	// The coach's open tab on the second shows as online on the first,
	// from the second's next heartbeat.
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(kim.Get(where).Text("#chat-with"), "· online"); time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the coach is not online on the first: %q", kim.Get(where).Text("#chat-with"))
		}
	}
}

// TestChatHistoryPagesBackwards: a long conversation shows its newest
// messages, and the older ones come a page at a time on scrolling up.
func TestChatHistoryPagesBackwards(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	where := startChat(kim, "coach", "1").Header.Get("Location")
	id, _ := strconv.ParseInt(where[strings.LastIndex(where, "/")+1:], 10, 64)
	ctx := t.Context()
	me, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
	var org int64
	if err := app.Plugins().PluginDB("chat", app.DemoOrg(t)).NewSelect().Table(app.Plugins().Table("chat", "chat_conversations")).Column("organisation_id").Where("id = ?", id).Scan(ctx, &org); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Hour).UTC()
	rows := make([]conversation.Message, 0, 70)
	for i := range 70 {
		rows = append(rows, conversation.Message{OrganisationID: org, ConversationID: id, AuthorID: me.ID, Body: "message " + strconv.Itoa(i), CreatedAt: start.Add(time.Duration(i) * time.Second)})
	}
	if _, err := app.Plugins().PluginDB("chat", app.DemoOrg(t)).NewInsert().Model(&rows).ModelTableExpr(app.Plugins().Table("chat", "chat_messages")).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	page := kim.Get(where)
	shown := page.Doc.Find("#chat-messages .chat-message")
	older, ok := page.Doc.Find("#chat-messages .chat-older").Attr("hx-get")
	if shown.Length() != conversation.PageLength || !strings.Contains(shown.Last().Text(), "message 69") || !ok {
		t.Fatalf("the first page: %d messages, older %q", shown.Length(), older)
	}
	seen := shown.Length()
	for older != "" {
		part := kim.Get(older, "HX-Request", "true")
		if part.StatusCode != 200 {
			t.Fatalf("older: %d", part.StatusCode)
		}
		seen += part.Doc.Find(".chat-message").Length()
		older, _ = part.Doc.Find(".chat-older").Attr("hx-get")
		if seen > 70 {
			t.Fatalf("more messages than there are: %d", seen)
		}
	}
	if seen != 70 {
		t.Errorf("scrolled through %d of 70 messages", seen)
	}
	if res := kim.Get(where+"/older?before=nonsense", "HX-Request", "true"); res.StatusCode != 400 {
		t.Errorf("a bad page: %d", res.StatusCode)
	}
}

// TestChatEditWindow: the administrator sets how long messages can be
// changed; at 0 nobody's can.
func TestChatEditWindow(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	admin, kim := app.Client(t), app.Client(t)
	admin.SignIn("admin@harbour.example")
	kim.SignIn("coachee@harbour.example")
	where := startChat(kim, "coach", "1").Header.Get("Location")
	kim.PostForm(where+"/messages", url.Values{"body": {"mine"}}, "HX-Request", "true")
	edit, ok := kim.Get(where).Doc.Find(`#chat-messages form[action$="/edit"]`).Attr("action")
	if !ok {
		t.Fatal("no edit form within the default window")
	}
	for _, bad := range []string{"-1", "1441", "soon"} {
		if res := admin.PostForm("/m/chat/settings", url.Values{"minutes": {bad}}); res.StatusCode != 422 || res.Text("#chat-minutes-error") == "" {
			t.Errorf("minutes %q: %d", bad, res.StatusCode)
		}
	}
	if res := kim.PostForm("/m/chat/settings", url.Values{"minutes": {"0"}}); res.StatusCode != 403 {
		t.Errorf("a coachee sets the window: %d", res.StatusCode)
	}
	if res := admin.PostForm("/m/chat/settings", url.Values{"minutes": {"0"}}); res.StatusCode != 303 {
		t.Fatalf("setting 0: %d", res.StatusCode)
	}
	if n := kim.Get(where).Doc.Find(`#chat-messages form[action$="/edit"]`).Length(); n != 0 {
		t.Errorf("edit forms with a window of 0: %d", n)
	}
	if res := kim.PostForm(edit, url.Values{"body": {"changed"}}, "HX-Request", "true"); res.StatusCode != 409 {
		t.Errorf("editing outside the window: %d", res.StatusCode)
	}
}

// TestChatRateLimit: the twenty-first message within a minute is refused
// with a reason.
func TestChatRateLimit(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		c.Server.RateLimit = 1000
	}})
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	where := startChat(kim, "coach", "1").Header.Get("Location")
	for i := range 20 {
		if res := kim.PostForm(where+"/messages", url.Values{"body": {"message"}}, "HX-Request", "true"); res.StatusCode != 200 {
			t.Fatalf("message %d: %d", i+1, res.StatusCode)
		}
	}
	if res := kim.PostForm(where+"/messages", url.Values{"body": {"one too many"}}, "HX-Request", "true"); res.StatusCode != 429 || !strings.Contains(res.Text("#chat-error"), "fast") {
		t.Errorf("the twenty-first: %d %q", res.StatusCode, res.Text("#chat-error"))
	}
}

// startChat posts the form that starts a conversation, as its button
// does without JavaScript: field names whom (coach, dossier or user).
func startChat(c *coretest.Client, field, value string) *coretest.Response {
	form := url.Values{}
	if field != "" {
		form.Set(field, value)
	}
	return c.PostForm("/m/chat/start", form)
}

// submit sends the form of a page's button as a browser without
// JavaScript would: to its action, with its fields.
func submit(t *testing.T, c *coretest.Client, page *coretest.Response, button string) *coretest.Response {
	t.Helper()
	form := page.Doc.Find(button).Closest("form")
	action, _ := form.Attr("action")
	if method, _ := form.Attr("method"); method != "post" || action == "" {
		t.Fatalf("%s is not in a form that posts: method %q, action %q", button, method, action)
	}
	fields := url.Values{}
	form.Find("input[name]").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		value, _ := in.Attr("value")
		fields.Add(name, value)
	})
	return c.PostForm(action, fields)
}

// next is the next event of a name on a tab.
func next(t *testing.T, tab *coretest.EventStream, name string) coretest.Event {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		e, ok := tab.Next(time.Until(deadline))
		if !ok {
			break
		}
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no %s event", name)
	return coretest.Event{}
}
