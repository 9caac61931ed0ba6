package pluginhost_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/tenancy"
)

func withExample(t *testing.T, trusted bool, extra ...string) func(*config.Config) {
	bins := []string{coretest.BuildPlugin(t, "plugins/example")}
	for _, pkg := range extra {
		bins = append(bins, coretest.BuildPlugin(t, pkg))
	}
	return func(c *config.Config) { coretest.WithPlugins(t, c, trusted, bins...) }
}

// TestExamplePluginThroughTheHost runs the real example binary: its page in
// the layout, its form with bad and good input, its start-page tile, 404 when
// the organisation has the module off and 403 without its permission.
func TestExamplePluginThroughTheHost(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: withExample(t, true)})
		ctx := context.Background()
		if st := app.Plugins().Plugins(); len(st) != 1 || st[0].State != pluginhost.StateRunning || st[0].Version != "1.0.0" {
			t.Fatalf("plugins: %+v", st)
		}
		// The demo subscribes to every module, the example's included.
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		page := coach.Get("/m/example/")
		if page.StatusCode != 200 || page.Text("main h1") != "Example" || page.Doc.Find("nav#nav").Length() != 1 {
			t.Fatalf("plugin page: %d %q", page.StatusCode, page.Text("main h1"))
		}
		if !strings.Contains(page.Body, "<title>Example ·") || !strings.Contains(page.Text("main .lead"), "Chris Jansen") {
			t.Errorf("title or person: %q", page.Text("main .lead"))
		}
		if roles := page.Text("#example-roles"); !strings.Contains(roles, "coach") {
			t.Errorf("the roles in the call context: %q", roles)
		}
		if partial := coach.Get("/m/example/", "HX-Request", "true"); partial.Doc.Find("nav#nav").Length() != 0 || partial.Text("h1") != "Example" {
			t.Error("an htmx request should get the fragment alone")
		}
		// Its table: bad input refused, a note kept through the database tunnel.
		if res := coach.PostForm("/m/example/", url.Values{"text": {""}}); res.StatusCode != 422 || res.Text(".field-error") == "" {
			t.Errorf("bad input: %d", res.StatusCode)
		}
		if res := coach.PostForm("/m/example/", url.Values{"text": {"<b>Bring the forms</b>"}}); res.StatusCode != 303 || res.Header.Get("Location") != "/m/example/" {
			t.Errorf("good input: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if notes := coach.Get("/m/example/"); !strings.Contains(notes.Body, "&lt;b&gt;Bring the forms&lt;/b&gt;") {
			t.Errorf("the note is not listed: %q", notes.Text("#example-notes"))
		}
		var added int
		if err := app.DB().NewSelect().Table("audit_events").ColumnExpr("count(*)").Where("action = ?", "example.note_added").Scan(ctx, &added); err != nil || added != 1 {
			t.Errorf("the plugin's audit entry: %d %v", added, err)
		}
		// Another organisation with the module sees none of Harbour's notes.
		north, _ := app.Organisations().CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err := app.Organisations().SetSubscription(ctx, north.ID, tenancy.Plan{Modules: []string{"example"}, MaxPeople: 10}, app.Modules().IDs()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := app.Identity().Seed(ctx, north, identity.Invitee{Email: "coach@north.example", GivenName: "N", FamilyName: "Coach", Role: access.RoleCoach}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		other := app.Client(t)
		other.SignIn("coach@north.example")
		if page := other.Get("/m/example/"); page.StatusCode != 200 || strings.Contains(page.Body, "Bring the forms") {
			t.Errorf("another organisation: %d, sees Harbour's note: %v", page.StatusCode, strings.Contains(page.Body, "Bring the forms"))
		}
		if res := coach.PostForm("/m/example/", url.Values{"text": {"forged"}, "_csrf": {"forged"}}); res.StatusCode != 403 {
			t.Errorf("a forged form reached the plugin: %d", res.StatusCode)
		}
		if nav := coach.Get("/").Text("#nav"); !strings.Contains(nav, "Example") {
			t.Errorf("navigation: %q", nav)
		}
		if tile := coach.Get("/").Text(".plugin-slot"); !strings.Contains(tile, "coachees") {
			t.Errorf("start-page tile: %q", tile)
		}
		// Its card on the coach's page counts the coach's note; an
		// administrator sees it there too.
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		me, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		if card := admin.Get("/people/" + strconv.FormatInt(me.ID, 10)).Text("#example-card"); card != "Chris Jansen wrote 1 note here." {
			t.Errorf("person card: %q", card)
		}
		// Dutch messages come from the plugin's own file.
		if nl := coach.Get("/m/example/", "Accept-Language", "nl"); nl.Text("main h1") != "Example" && nl.Text("main h1") != "Voorbeeld" {
			t.Errorf("Dutch page: %q", nl.Text("main h1"))
		}
		// Without the permission: 403.
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)
		if _, _, err := app.Identity().Seed(ctx, org, identity.Invitee{Email: "finance@harbour.example", GivenName: "F", FamilyName: "In", Role: access.RoleFinance}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		finance := app.Client(t)
		finance.SignIn("finance@harbour.example")
		if res := finance.Get("/m/example/"); res.StatusCode != 403 {
			t.Errorf("without example.view: %d", res.StatusCode)
		}
		// Its protocol endpoint: an app password opens it, nothing else does,
		// and each organisation's app gets that organisation's notes only.
		dav := func(user, password string) *coretest.Response {
			req, _ := http.NewRequest("PROPFIND", app.URL+"/dav/example/notes", nil)
			if user != "" {
				req.SetBasicAuth(user, password)
			}
			return app.Client(t).Do(req)
		}
		plain := coach.PostForm("/settings/app-passwords", url.Values{"name": {"Notes app"}}).Text("#new-app-password")
		if res := dav("coach@harbour.example", plain); res.StatusCode != 200 || !strings.Contains(res.Body, "<b>Bring the forms</b>") {
			t.Errorf("protocol endpoint with an app password: %d %q", res.StatusCode, res.Body)
		}
		if res := dav("", ""); res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("protocol endpoint without credentials: %d", res.StatusCode)
		}
		if res := dav("coach@harbour.example", demo.Password); res.StatusCode != 401 {
			t.Errorf("the account password opened the protocol endpoint: %d", res.StatusCode)
		}
		// PUT carries a note in its body; an empty one is refused and kept out.
		put := func(body string) *coretest.Response {
			req, _ := http.NewRequest(http.MethodPut, app.URL+"/dav/example/notes", strings.NewReader(body))
			req.SetBasicAuth("coach@harbour.example", plain)
			return app.Client(t).Do(req)
		}
		if res := put("  "); res.StatusCode != 400 || !strings.Contains(res.Body, "at most 500") {
			t.Errorf("an empty note over the protocol: %d %q", res.StatusCode, res.Body)
		}
		if res := put("Sent from the app"); res.StatusCode != 201 {
			t.Errorf("a note over the protocol: %d %q", res.StatusCode, res.Body)
		}
		if res := dav("coach@harbour.example", plain); res.Body != "<b>Bring the forms</b>\nSent from the app\n" {
			t.Errorf("notes after PUT: %q", res.Body)
		}
		financePlain := finance.PostForm("/settings/app-passwords", url.Values{"name": {"Notes app"}}).Text("#new-app-password")
		if res := dav("finance@harbour.example", financePlain); res.StatusCode != 403 {
			t.Errorf("protocol endpoint without example.view: %d", res.StatusCode)
		}
		northPlain := other.PostForm("/settings/app-passwords", url.Values{"name": {"Notes app"}}).Text("#new-app-password")
		if res := dav("coach@north.example", northPlain); res.StatusCode != 200 || strings.Contains(res.Body, "Bring the forms") {
			t.Errorf("another organisation's app: %d %q", res.StatusCode, res.Body)
		}
		// The organisation switches the module off: 404 for everyone.
		if err := app.Organisations().SetModule(ctx, org.ID, "example", false); err != nil {
			t.Fatal(err)
		}
		if res := coach.Get("/m/example/"); res.StatusCode != 404 {
			t.Errorf("module off: %d", res.StatusCode)
		}
		if res := dav("coach@harbour.example", plain); res.StatusCode != 404 {
			t.Errorf("protocol endpoint with the module off: %d", res.StatusCode)
		}
		if strings.Contains(coach.Get("/").Body, "plugin-slot") {
			t.Error("the tile of a module that is off still shows")
		}
	})
}

// TestSlowSlotIsLeftOut has a plugin whose start-page tile never comes: the
// start page still renders, with the other plugin's tile, and all plugins
// were asked at once.
func TestSlowSlotIsLeftOut(t *testing.T) {
	t.Parallel()
	plugins := withExample(t, true, "core/pluginhost/testdata/hostile")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		plugins(c)
		c.Plugins.SlotTimeout = 200 * time.Millisecond
	}})
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	page := coach.Get("/")
	if page.StatusCode != 200 || !strings.Contains(page.Text(".plugin-slot"), "coachees") {
		t.Fatalf("start page: %d %q", page.StatusCode, page.Text(".plugin-slot"))
	}
	if strings.Contains(page.Body, "the hostile tile") {
		t.Error("a tile that missed its deadline was shown")
	}
	// The same plugin's settings section is on the person's settings page.
	if got := coach.Get("/settings").Text("#hostile-settings"); got != "Settings of a plugin" {
		t.Errorf("settings section: %q", got)
	}
}

// TestEventsReachOtherPlugins: the example emits "example.note_added" when a
// note is kept; the hostile plugin listens and keeps a row of its own, in the
// same organisation. With the listener's module off, nothing reaches it;
// switched on again, it gets what it missed, in order.
func TestEventsReachOtherPlugins(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: withExample(t, true, "core/pluginhost/testdata/hostile")})
		ctx := context.Background()
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		heard := func() []string {
			var rows []string
			if err := app.Plugins().PluginDB("hostile", org.ID).NewSelect().Table(app.Plugins().Table("hostile", "hostile_items")).Column("secret").Where("organisation_id = ?", org.ID).Order("id").Scan(ctx, &rows); err != nil {
				t.Fatal(err)
			}
			return rows
		}
		// The listener's module off: the first note is heard by no one.
		if err := app.Organisations().SetModule(ctx, org.ID, "hostile", false); err != nil {
			t.Fatal(err)
		}
		if res := coach.PostForm("/m/example/", url.Values{"text": {"unheard"}}); res.StatusCode != 303 {
			t.Fatalf("first note: %d", res.StatusCode)
		}
		noteID := func(text string) string {
			var id int64
			if err := app.Plugins().PluginDB("example", org.ID).NewSelect().Table(app.Plugins().Table("example", "example_notes")).Column("id").Where("text = ?", text).Scan(ctx, &id); err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(id, 10)
		}
		app.Plugins().DeliverEvents(ctx)
		if got := heard(); len(got) != 0 {
			t.Errorf("the listener, switched off, kept %q", got)
		}
		if err := app.Organisations().SetModule(ctx, org.ID, "hostile", true); err != nil {
			t.Fatal(err)
		}
		if res := coach.PostForm("/m/example/", url.Values{"text": {"heard"}}); res.StatusCode != 303 {
			t.Fatalf("second note: %d", res.StatusCode)
		}
		// Delivery is in the background: wait for it, then look at what came.
		for deadline := time.Now().Add(60 * time.Second); len(heard()) < 2 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if got := heard(); len(got) != 2 || got[0] != "heard note "+noteID("unheard") || got[1] != "heard note "+noteID("heard") {
			t.Errorf("the listener kept %q", got)
		}
	})
}

// TestPluginTransactions: a plugin's transaction keeps its work on commit,
// undoes it on rollback, is rolled back when the call ends with it open,
// holds the wall inside it, and is one at a time per call.
func TestPluginTransactions(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
			coretest.WithPlugins(t, c, true, coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile"))
		}})
		ctx := context.Background()
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		res := coach.PostForm("/m/hostile/tx", url.Values{})
		var got map[string]string
		if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
			t.Fatalf("%d %q: %v", res.StatusCode, res.Body, err)
		}
		if got["commit"] != "ok" || got["left open"] != "ok" {
			t.Errorf("a plain transaction failed: %v", got)
		}
		if got["rollback"] == "ok" || got["core table in a transaction"] == "ok" || got["second at once"] == "ok" {
			t.Errorf("refusals: %v", got)
		}
		var kept []string
		if err := app.Plugins().PluginDB("hostile", app.DemoOrg(t)).NewSelect().Table(app.Plugins().Table("hostile", "hostile_items")).Column("secret").Order("secret").Scan(ctx, &kept); err != nil {
			t.Fatal(err)
		}
		if strings.Join(kept, ",") != "kept 1,kept 2" {
			t.Errorf("rows after the transactions: %q", kept)
		}
		// The connection of the abandoned transaction is back: writes go on.
		if res := coach.PostForm("/m/hostile/add", url.Values{"secret": {"after"}}); res.StatusCode != 200 {
			t.Errorf("a write after an abandoned transaction: %d %s", res.StatusCode, res.Body)
		}
	})
}

// TestPluginNotices: a plugin leaves a member a notice with its own message
// and a link to its own page; the person sees it counted in the navigation,
// gets a mail, and opening it goes to the page and marks it read. Notices for
// people of other organisations, with others' messages or links elsewhere
// are refused and leave nothing.
func TestPluginNotices(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
			coretest.WithPlugins(t, c, true, coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile"))
		}})
		ctx := context.Background()
		north, _ := app.Organisations().CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		stranger, _, err := app.Identity().Seed(ctx, north, identity.Invitee{Email: "coach@north.example", GivenName: "N", FamilyName: "C", Role: access.RoleCoach}, demo.Password, demo.TOTPSecret)
		if err != nil {
			t.Fatal(err)
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		me, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		send := func(user int64, message, link string) string {
			return coach.PostForm("/m/hostile/notify", url.Values{"user": {strconv.FormatInt(user, 10)}, "message": {message}, "link": {link}}).Body
		}
		before, _ := app.Mailer().Recent(ctx, 100)
		refused := map[string][3]string{
			"someone of another organisation": {strconv.FormatInt(stranger.ID, 10), "hostile.title", "/m/hostile/"},
			"another plugin's message":        {strconv.FormatInt(me.ID, 10), "example.title", "/m/hostile/"},
			"a link to another site":          {strconv.FormatInt(me.ID, 10), "hostile.title", "https://evil.example/"},
			"a protocol-relative link":        {strconv.FormatInt(me.ID, 10), "hostile.title", "/m/hostile//evil.example"},
			"a link to another plugin":        {strconv.FormatInt(me.ID, 10), "hostile.title", "/m/example/"},
			// Encoded dot segments a browser reads as ".." (the fifth review).
			"an encoded climb out": {strconv.FormatInt(me.ID, 10), "hostile.title", "/m/hostile/%2e%2e/%2e%2e/operator"},
			"an encoded slash":     {strconv.FormatInt(me.ID, 10), "hostile.title", "/m/hostile/..%2f..%2foperator"},
			"a dot segment":        {strconv.FormatInt(me.ID, 10), "hostile.title", "/m/hostile/./x"},
			"a tab in the link":    {strconv.FormatInt(me.ID, 10), "hostile.title", "/m/hostile/\tx"},
		}
		for name, args := range refused {
			id, _ := strconv.ParseInt(args[0], 10, 64)
			if got := send(id, args[1], args[2]); !strings.HasPrefix(got, "refused") {
				t.Errorf("%s: %q", name, got)
			}
		}
		if got := send(me.ID, "hostile.title", "/m/hostile/bench?n=0"); got != "ok" {
			t.Fatalf("a proper notice: %q", got)
		}
		var stored int
		if err := app.DB().NewSelect().Table("notices").ColumnExpr("count(*)").Scan(ctx, &stored); err != nil || stored != 1 {
			t.Errorf("notices stored: %d %v", stored, err)
		}
		after, _ := app.Mailer().Recent(ctx, 100)
		if fresh := after[:len(after)-len(before)]; len(fresh) != 1 || fresh[0].Recipient != "coach@harbour.example" || !strings.Contains(fresh[0].Text, "Hostile") {
			t.Errorf("mails: %+v", fresh)
		}
		page := coach.Get("/notices")
		if badge := page.Text("#nav .badge-count"); !strings.HasPrefix(badge, "1") {
			t.Errorf("unread count in the navigation: %q", badge)
		}
		open, ok := page.Doc.Find(`#notices form[action$="/open"]`).Attr("action")
		if !ok || !strings.Contains(page.Text("#notices"), "Hostile") {
			t.Fatalf("the notice is not listed: %q", page.Text("main"))
		}
		// Someone else cannot open it; its owner goes where it points.
		other := app.Client(t)
		other.SignIn("coachee@harbour.example")
		if res := other.PostForm(open, url.Values{}); res.StatusCode != 404 {
			t.Errorf("someone else's notice: %d", res.StatusCode)
		}
		if res := coach.PostForm(open, url.Values{}); res.StatusCode != 303 || res.Header.Get("Location") != "/m/hostile/bench?n=0" {
			t.Errorf("opening: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if badge := coach.Get("/notices").Text("#nav .badge-count"); badge != "" {
			t.Errorf("still counted after opening: %q", badge)
		}
		if res := coach.PostForm("/notices/nonsense/open", url.Values{}); res.StatusCode != 404 {
			t.Errorf("a bad id: %d", res.StatusCode)
		}
	})
}

// TestPreloadedReads: the second visit to a plugin page gets its read from
// the host with the call (no statement from the plugin), still fresh after
// a write; a GET page that writes is never preloaded and sees its own write.
func TestPreloadedReads(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: withExample(t, true, "core/pluginhost/testdata/hostile")})
		example, hostile := app.Plugins().Plugin("example"), app.Plugins().Plugin("hostile")
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		coach.Get("/m/example/")
		before := example.Statements()
		if page := coach.Get("/m/example/"); page.StatusCode != 200 || page.Text("main h1") != "Example" {
			t.Fatalf("the preloaded page: %d", page.StatusCode)
		}
		if sent := example.Statements() - before; sent != 0 {
			t.Errorf("the second visit sent %d statements; its read should have come preloaded", sent)
		}
		if res := coach.PostForm("/m/example/", url.Values{"text": {"Fresh after a write"}}); res.StatusCode != 303 {
			t.Fatalf("note: %d", res.StatusCode)
		}
		before = example.Statements()
		if page := coach.Get("/m/example/"); !strings.Contains(page.Text("#example-notes"), "Fresh after a write") {
			t.Errorf("the preloaded read is stale: %q", page.Text("#example-notes"))
		}
		if sent := example.Statements() - before; sent != 0 {
			t.Errorf("after a write the visit sent %d statements", sent)
		}
		// Another person's visit is not served from the coach's reads.
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		before = example.Statements()
		admin.Get("/m/example/")
		if sent := example.Statements() - before; sent != 1 {
			t.Errorf("another person's first visit sent %d statements, want 1", sent)
		}
		before = hostile.Statements()
		for range 2 {
			got := strings.Fields(coach.Get("/m/hostile/writeread").Body)
			if len(got) != 2 || got[0] == got[1] {
				t.Errorf("a GET that writes did not see its write: %q", got)
			}
		}
		if n := hostile.Statements() - before; n != 6 {
			t.Errorf("the writing page sent %d statements over two visits, want 6 (never preloaded)", n)
		}
	})
}

// TestKilledPluginComesBack kills the plugin with SIGKILL under load (three
// clients adding notes through it, one using a core page): core pages keep
// answering 200, the plugin's pages say "back in a moment", the plugin comes
// back and serves its pages again, and every note it acknowledged is kept.
func TestKilledPluginComesBack(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: withExample(t, true)})
	c := app.Client(t)
	c.SignIn("coach@harbour.example")
	c.Get("/m/example/")

	// Load: three writers keep adding notes through the plugin, one reader
	// keeps using a core page, until told to stop.
	var (
		mu           sync.Mutex
		acknowledged []string // notes the plugin answered 303 for: committed
		coreFailures []int
		stop         = make(chan struct{})
		wg           sync.WaitGroup
	)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("load %d-%d", w, i)
				if res := c.PostForm("/m/example/", url.Values{"text": {text}}); res.StatusCode == 303 {
					mu.Lock()
					acknowledged = append(acknowledged, text)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if res := c.Get("/settings"); res.StatusCode != 200 {
				mu.Lock()
				coreFailures = append(coreFailures, res.StatusCode)
				mu.Unlock()
			}
		}
	}()
	acks := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acknowledged)
	}
	for deadline := time.Now().Add(10 * time.Second); acks() < 10 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}

	pid := app.Plugins().Plugins()[0].PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// How soon it is back depends on the machine's load: the deadline is
	// only there so that a plugin that never comes back fails the test.
	killedAt, sawDown, back := acks(), false, false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		res := c.Get("/m/example/")
		if res.StatusCode == 503 {
			sawDown = true
			if res.Text("main h1") != "Back in a moment" {
				t.Errorf("the plugin's page while down: %q", res.Text("main h1"))
			}
		}
		if res.StatusCode == 200 && app.Plugins().Plugins()[0].PID != pid {
			back = true
			break
		}
	}
	// A little more load on the new process, then stop.
	for deadline := time.Now().Add(10 * time.Second); back && acks() < killedAt+10 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if !back {
		t.Fatalf("the plugin did not come back: %+v", app.Plugins().Plugins())
	}
	t.Logf("back after the kill; saw the down page: %v; %d notes acknowledged", sawDown, acks())
	if len(coreFailures) > 0 {
		t.Errorf("a core page failed while the plugin was down: %v", coreFailures)
	}
	// No committed data is lost: every acknowledged note is there.
	var kept []string
	if err := app.Plugins().PluginDB("example", app.DemoOrg(t)).NewSelect().Table(app.Plugins().Table("example", "example_notes")).Column("text").Scan(context.Background(), &kept); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range kept {
		have[k] = true
	}
	for _, a := range acknowledged {
		if !have[a] {
			t.Errorf("note %q was acknowledged but is gone", a)
		}
	}
}

// TestUntrustedAndCrashingPlugins: a binary the operator did not allow never
// runs and its pages do not exist; one that dies at start-up is marked failed
// after a bounded number of tries, with its last words, and Atrium serves on.
func TestUntrustedAndCrashingPlugins(t *testing.T) {
	t.Parallel()
	crasher := coretest.BuildPlugin(t, "core/pluginhost/testdata/crasher")
	example := coretest.BuildPlugin(t, "plugins/example")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, crasher)
		// The example binary is present but not in the trust file.
		coretest.AddUntrusted(t, c, example)
	}})
	states := map[string]pluginhost.Status{}
	for _, s := range app.Plugins().Plugins() {
		states[s.Name] = s
	}
	if s := states["example"]; s.State != pluginhost.StateUntrusted || !strings.Contains(s.Problem, "atrium plugin allow example") {
		t.Errorf("untrusted: %+v", s)
	}
	if s := states["crasher"]; s.State != pluginhost.StateFailed || !strings.Contains(s.Problem, "3 tries") {
		t.Errorf("crasher: %+v", s)
	}
	c := app.Client(t)
	c.SignIn("admin@harbour.example")
	if res := c.Get("/m/example/"); res.StatusCode != 404 {
		t.Errorf("an untrusted plugin's page: %d", res.StatusCode)
	}
	page := c.Get("/operator/plugins")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "Not allowed") || !strings.Contains(page.Body, "Failed") {
		t.Errorf("operator page: %d", page.StatusCode)
	}
	if res := c.Get("/"); res.StatusCode != 200 {
		t.Errorf("start page: %d", res.StatusCode)
	}
}

// TestHostilePluginStaysInItsTables runs a plugin that tries to escape the
// database wall. On both databases every attempt at tables it does not own,
// at schema changes outside migrations, at several statements in one and at
// the catalogs fails, and so does every attempt at another organisation's
// rows (row-level security on PostgreSQL, a file per organisation on SQLite).
func TestHostilePluginStaysInItsTables(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		hostile := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
			coretest.WithPlugins(t, c, true, coretest.BuildPlugin(t, "plugins/example"), hostile)
			// Some forty attacks run in one call of the attack page; on a
			// busy machine they take longer than a page may.
			c.Plugins.CallTimeout = time.Minute
		}})
		ctx := context.Background()
		for _, s := range app.Plugins().Plugins() {
			if s.State != pluginhost.StateRunning {
				t.Fatalf("plugin %s: %+v", s.Name, s)
			}
		}
		// Rows in two organisations.
		north, _ := app.Organisations().CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		_ = app.Organisations().SetSubscription(ctx, north.ID, tenancy.Plan{Modules: []string{"hostile"}, MaxPeople: 10}, app.Modules().IDs())
		if _, _, err := app.Identity().Seed(ctx, north, identity.Invitee{Email: "coach@north.example", GivenName: "N", FamilyName: "C", Role: access.RoleCoach}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		northCoach := app.Client(t)
		northCoach.SignIn("coach@north.example")
		if res := northCoach.PostForm("/m/hostile/add", url.Values{"secret": {"north's secret"}}); res.StatusCode != 200 {
			t.Fatalf("add: %d %s", res.StatusCode, res.Body)
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		kind, _ := db.Kind()
		const migrationLock = "107152763614573" // the core's (store.migrationLockKey)
		res := coach.Get("/m/hostile/attack?" + url.Values{"engine": {kind}, "core": {strings.TrimPrefix(db.URL, "file:")}, "lock": {migrationLock}}.Encode())
		if res.StatusCode != 200 {
			t.Fatalf("attack page: %d", res.StatusCode)
		}
		var results map[string]string
		if err := json.Unmarshal([]byte(res.Body), &results); err != nil || len(results) < 12 {
			t.Fatalf("results %q: %v", res.Body, err)
		}
		if results["read its own rows"] != "allowed" {
			t.Fatalf("the plugin cannot even read its own rows; the test proves nothing: %v", results)
		}
		delete(results, "read its own rows")
		// PostgreSQL's catalog tells every role the names of things, never
		// their data; the plugin's role reads it as any role does.
		// SQLite's catalog in the plugin's file holds the plugin's own tables.
		if kind == "postgres" {
			delete(results, "read the PostgreSQL catalog")
		} else {
			delete(results, "read the catalog")
		}
		for attack, outcome := range results {
			if outcome != "refused" {
				t.Errorf("%s: %s", attack, outcome)
			}
		}
		// The policy its migration made is gone: one policy per table, the host's.
		if kind == "postgres" {
			var policies []string
			if err := app.DB().NewRaw(`SELECT policyname FROM pg_policies WHERE tablename = 'hostile_items' AND schemaname = ?`,
				strings.Split(app.Plugins().Table("hostile", "hostile_items"), ".")[0]).Scan(ctx, &policies); err != nil || len(policies) != 1 || policies[0] != "atrium_scope" {
				t.Errorf("policies on the plugin's table: %v (%v)", policies, err)
			}
		}
		// The core's migration lock the plugin took ended with its call.
		if kind == "postgres" {
			held := 1
			for range 50 {
				_ = app.DB().NewRaw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND ((classid::bigint << 32) | objid::bigint) = ?`, migrationLock).Scan(ctx, &held)
				if held == 0 {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if held != 0 {
				t.Error("the plugin still holds the core's migration lock after its call")
			}
		}
		// Every refusal is in the log, with the plugin's name.
		if n := strings.Count(app.Logs.String(), `msg="plugin statement refused" plugin=hostile`); n < 6 {
			t.Errorf("%d refusals logged:\n%s", n, app.Logs.String())
		}
		// Nothing changed: the core's people and the other plugin's table are intact.
		var pwned int
		_ = app.DB().NewSelect().Table("users").ColumnExpr("count(*)").Where("given_name = 'pwned'").Scan(ctx, &pwned)
		if pwned != 0 {
			t.Error("a core table was written")
		}
		if _, err := app.Plugins().PluginDB("example", app.DemoOrg(t)).NewSelect().Table(app.Plugins().Table("example", "example_notes")).Count(ctx); err != nil {
			t.Error("another plugin's table was dropped")
		}
	})
}

// TestSignedPluginsRunWithoutAnAllowEntry: a binary signed by a vendor the
// operator trusts runs; with a signature of something else it does not.
func TestSignedPluginsRunWithoutAnAllowEntry(t *testing.T) {
	t.Parallel()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	example := coretest.BuildPlugin(t, "plugins/example")
	setup := func(tamper bool) *coretest.App {
		return coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
			coretest.WithPlugins(t, c, false, example) // not in the allow list
			bin := filepath.Join(c.Plugins.Dir, "example")
			if err := pluginhost.Sign(bin, priv); err != nil {
				t.Fatal(err)
			}
			if tamper {
				_ = os.WriteFile(bin+".sig", []byte(strings.Repeat("ab", 64)), 0o644)
			}
			trust, _ := pluginhost.LoadTrust(c.Plugins.TrustFile)
			trust.Vendors = map[string]string{"acme": hex.EncodeToString(pub)}
			if err := trust.Save(c.Plugins.TrustFile); err != nil {
				t.Fatal(err)
			}
		}})
	}
	if st := setup(false).Plugins().Plugins(); st[0].State != pluginhost.StateRunning || st[0].Vendor != "acme" {
		t.Errorf("signed by a trusted vendor: %+v", st)
	}
	if st := setup(true).Plugins().Plugins(); st[0].State != pluginhost.StateUntrusted {
		t.Errorf("a bad signature: %+v", st)
	}
}
