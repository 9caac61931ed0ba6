package organisation_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

// TestBrowserOrganisationStory: the operator creates a subscriber with a
// daughter and a subscription; its administrator accepts the invitation,
// invites a coach and a coachee, gives roles, renames "coachee" to "client"
// (English) and "cliënt" (Dutch) and sees the word everywhere, switches a
// module off and sees it vanish; someone of another organisation sees none of it.
func TestBrowserOrganisationStory(t *testing.T) {
	t.Parallel()
	smtpd := coretest.SMTP(t)
	var base string
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		smtpd.Configure(c)
		c.Server.BaseURL = "http://placeholder"
	}})
	base = app.URL
	ctx := coretest.Browser(t)
	step := func(steps ...chromedp.Action[chromedp.Void]) { t.Helper(); coretest.Step(t, ctx, steps...) }
	wait := func(expr string) { t.Helper(); coretest.Wait(t, ctx, expr) }
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	h1 := func(want string) {
		t.Helper()
		wait(`document.querySelector("main h1") && document.querySelector("main h1").textContent.trim() === ` + quote(want))
	}

	// 1. The operator (the demo's administrator is also the platform operator).
	coretest.BrowserSignIn(t, ctx, base, "admin@harbour.example", demo.Password, identity.CodeAt(demo.TOTPSecret, time.Now()))
	step(chromedp.Navigate(base+"/operator/organisations/new"), chromedp.WaitVisible("#f-name"),
		chromedp.SendKeys("#f-name", "North Care"),
		chromedp.SetValue("#f-locale", "en"),
		chromedp.SetValue("#f-max_people", "10"),
		chromedp.SendKeys("#f-admin_email", "anna@north.example"),
		chromedp.SendKeys("#f-admin_given_name", "Anna"),
		chromedp.SendKeys("#f-admin_family_name", "Admin"),
		chromedp.Click(`main button[type=submit]`))
	h1("North Care")
	step(chromedp.SendKeys("#f-name", "North Care Groningen"), chromedp.Click(`form[action$="/daughters"] button[type=submit]`))
	wait(`document.querySelector(".tree").textContent.includes("North Care Groningen")`)
	coretest.Shot(t, ctx, "operator-subscriber")
	coretest.BrowserSignOut(t, ctx)

	// 2. Anna accepts the invitation.
	link := strings.Replace(smtpd.WaitFor("anna@north.example").Link("/invitation/"), "http://placeholder", base, 1)
	const password = "Northern-Lights-77"
	step(chromedp.Navigate(link), chromedp.WaitVisible("#f-password"),
		chromedp.SendKeys("#f-password", password), chromedp.SendKeys("#f-confirm", password),
		chromedp.Click(`input[name=terms]`), chromedp.Click(`main button[type=submit]`))
	wait(`document.querySelector("#totp-secret") !== null`)
	secret := strings.ReplaceAll(text("#totp-secret"), " ", "")
	step(chromedp.SendKeys("#f-code", identity.CodeAt(secret, time.Now())), chromedp.Click(`main button[type=submit]`))
	wait(`document.querySelectorAll("#backup-codes code").length === 10`)
	step(chromedp.Click(`main a.button`))
	h1("Hello Anna")
	if tiles := text(".tiles"); !strings.Contains(tiles, "Announcements") {
		t.Errorf("start page tiles: %q", tiles)
	}

	// 3. Anna invites a coachee and a coach; they join when they accept
	// (here by their mails' links), and she gives the coach the coach role.
	invite := func(email, given, family string) {
		t.Helper()
		step(chromedp.Navigate(base+"/people/invite"), chromedp.WaitVisible("#f-email"),
			chromedp.SendKeys("#f-email", email), chromedp.SendKeys("#f-given_name", given), chromedp.SendKeys("#f-family_name", family),
			chromedp.SetValue("#f-role", "coachee"), chromedp.Click(`main button[type=submit]`))
		wait(`location.pathname === "/people" && document.querySelector(".flash-success") !== null && document.querySelector("#invited").textContent.includes(` + quote(email) + `)`)
		invited := app.Client(t)
		link := strings.TrimPrefix(smtpd.WaitFor(email).Link("/invitation/"), "http://placeholder")
		invited.Get(link)
		if res := invited.PostForm(link, url.Values{"password": {password}, "confirm": {password}, "terms": {"yes"}}); res.StatusCode != 303 {
			t.Fatalf("%s accepting: %d", email, res.StatusCode)
		}
	}
	invite("cas@north.example", "Cas", "Client")
	invite("coby@north.example", "Coby", "Coach")
	coby, err := app.Identity().ByEmail(context.Background(), "coby@north.example")
	if err != nil {
		t.Fatal(err)
	}
	step(chromedp.Navigate(base+"/people"), chromedp.WaitVisible("main table"))
	step(chromedp.Click(`a[href="/people/` + strconv.FormatInt(coby.ID, 10) + `"]`))
	h1("Coby Coach")
	step(chromedp.Click(`input[name=roles][value=coach]`), chromedp.Click(`input[name=roles][value=coachee]`))
	coretest.SubmitAndWait(t, ctx, `form[action$="/roles"] button[type=submit]`, `document.querySelector(".flash-success") !== null`)
	if roles := text("dl.facts"); !strings.Contains(roles, "Coach") {
		t.Errorf("roles after saving: %q", roles)
	}

	// 4. Rename coachee to client (English) and cliënt (Dutch), with the live preview.
	step(chromedp.Navigate(base+"/organisation/words?locale=en"), chromedp.WaitVisible("#w-coachee-one"),
		chromedp.SendKeys("#w-coachee-one", "client"), chromedp.SendKeys("#w-coachee-other", "clients"))
	wait(`document.querySelector("#words-preview").textContent.includes("three clients")`)
	coretest.Shot(t, ctx, "words-preview")
	coretest.SubmitAndWait(t, ctx, `main form button[type=submit]`, `document.querySelector(".flash-success") !== null`)
	step(chromedp.Navigate(base+"/organisation/words?locale=nl"), chromedp.WaitVisible("#w-coachee-one"),
		chromedp.SendKeys("#w-coachee-one", "cliënt"), chromedp.SendKeys("#w-coachee-other", "cliënten"))
	coretest.SubmitAndWait(t, ctx, `main form button[type=submit]`, `document.querySelector(".flash-success") !== null`)
	step(chromedp.Navigate(base+"/people"), chromedp.WaitVisible("main table"))
	if row := text("main tbody"); !strings.Contains(row, "Client") || strings.Contains(row, "Coachee") {
		t.Errorf("people list after renaming: %q", row)
	}
	step(chromedp.Navigate(base+"/people/invite"), chromedp.WaitVisible("#f-role"))
	if opts := text("#f-role"); !strings.Contains(opts, "Client") {
		t.Errorf("role choice after renaming: %q", opts)
	}
	// In Dutch.
	step(chromedp.Click(".usermenu summary"), chromedp.WaitVisible("#locale"), chromedp.SetValue("#locale", "nl"))
	coretest.SubmitAndWait(t, ctx, `.usermenu form[action="/language"] button`, `document.documentElement.lang === "nl"`)
	step(chromedp.Navigate(base+"/people"), chromedp.WaitVisible("main table"))
	if row := text("main tbody"); !strings.Contains(row, "Cliënt") {
		t.Errorf("Dutch people list after renaming: %q", row)
	}

	// 5. Switch the announcements module off: it vanishes.
	step(chromedp.Navigate(base+"/organisation/modules"), chromedp.WaitVisible(`button[data-module="announcements"]`))
	if nav := text("#nav"); !strings.Contains(nav, "Mededelingen") {
		t.Fatalf("navigation before: %q", nav)
	}
	coretest.SubmitAndWait(t, ctx, `button[data-module="announcements"]`, `document.querySelector(".flash-success") !== null && !document.querySelector("#nav").textContent.includes("Mededelingen")`)
	step(chromedp.Navigate(base+"/"), chromedp.WaitVisible("main h1"))
	if main := text("main"); strings.Contains(main, "Mededelingen") {
		t.Errorf("the start page still shows the module: %q", main)
	}
	step(chromedp.Navigate(base+"/announcements"), chromedp.WaitVisible("main h1"))
	if got := text("main h1"); got != "Pagina niet gevonden" {
		t.Errorf("the module's page: %q", got)
	}

	// 6. Someone of another organisation sees none of it.
	other := app.Client(t)
	other.SignIn("coach@harbour.example")
	people := other.Get("/people")
	if strings.Contains(people.Body, "north.example") {
		t.Error("another organisation's people are visible")
	}
	cas, _ := app.Identity().ByEmail(context.Background(), "cas@north.example")
	if res := other.Get("/people/" + strconv.FormatInt(cas.ID, 10)); res.StatusCode != 404 {
		t.Errorf("another organisation's person: %d", res.StatusCode)
	}
	if res := other.Get("/people/invite"); strings.Contains(res.Body, "Client") {
		t.Error("another organisation's words leaked")
	}
	if res := other.Get("/announcements"); res.StatusCode != 200 {
		t.Errorf("the other organisation's own module was affected: %d", res.StatusCode)
	}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
