package account_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/dossier"
)

func TestSignInWithBothSteps(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		c := app.Client(t)
		// A member page sends visitors to the sign-in page and back after.
		res := c.Get("/settings")
		if res.StatusCode != 303 || res.Header.Get("Location") != "/signin?next=%2Fsettings" {
			t.Fatalf("visitor: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		c.Get("/signin")
		// Sign-in forms need the CSRF token like every other (login CSRF).
		forged := c.PostForm("/signin", url.Values{"email": {"coach@harbour.example"}, "password": {demo.Password}, "_csrf": {"forged"}})
		if forged.StatusCode != 403 || forged.Text("h1") != "This form has expired" {
			t.Fatalf("forged sign-in: %d %q", forged.StatusCode, forged.Text("h1"))
		}
		res = c.PostForm("/signin", url.Values{"email": {"coach@harbour.example"}, "password": {demo.Password}, "next": {"/settings"}})
		if res.StatusCode != 303 || res.Header.Get("Location") != "/signin/code?next=%2Fsettings" {
			t.Fatalf("password step: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		// Half signed in: member pages still ask for the code.
		if res := c.Get("/settings"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin/code") {
			t.Fatalf("half signed in: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res := c.PostForm("/signin/code", url.Values{"code": {"123456"}, "next": {"/settings"}}); res.StatusCode != 422 || res.Text(".field-error") == "" {
			t.Fatalf("wrong code: %d", res.StatusCode)
		}
		res = c.PostForm("/signin/code", url.Values{"code": {c.FreshCode("coach@harbour.example")}, "next": {"/settings"}})
		if res.StatusCode != 303 || res.Header.Get("Location") != "/settings" {
			t.Fatalf("code: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		page := c.Get("/settings")
		if page.StatusCode != 200 || page.Text("h1") != "Settings" || !strings.Contains(page.Text(".usermenu summary"), "Chris Jansen") {
			t.Fatalf("settings: %d %q", page.StatusCode, page.Text("h1"))
		}
		// Sign out, and the session is gone.
		if res := c.PostForm("/signout", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
		if res := c.Get("/settings"); res.StatusCode != 303 {
			t.Fatal("still signed in after signing out")
		}
	})
}

func TestSignInRefusalsReadTheSame(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	c.Get("/signin")
	unknown := c.PostForm("/signin", url.Values{"email": {"nobody@harbour.example"}, "password": {demo.Password}})
	wrong := app.Client(t)
	wrong.Get("/signin")
	bad := wrong.PostForm("/signin", url.Values{"email": {"coach@harbour.example"}, "password": {"Not-The-Password-1"}})
	if unknown.StatusCode != 422 || bad.StatusCode != 422 || unknown.Text(".flash-error") != bad.Text(".flash-error") || unknown.Text(".flash-error") == "" {
		t.Fatalf("unknown %d %q, wrong %d %q", unknown.StatusCode, unknown.Text(".flash-error"), bad.StatusCode, bad.Text(".flash-error"))
	}
	if v, _ := unknown.Doc.Find("#f-email").Attr("value"); v != "nobody@harbour.example" {
		t.Errorf("the address was not kept in the form: %q", v)
	}
	if unknown.Doc.Find(`input[name=password][value]`).AttrOr("value", "") != "" {
		t.Error("the password was sent back to the browser")
	}
	// An app password never opens the web sign-in.
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	created := admin.PostForm("/settings/app-passwords", url.Values{"name": {"Phone"}})
	plain := created.Text("#new-app-password")
	if len(plain) != 23 {
		t.Fatalf("app password %q", plain)
	}
	other := app.Client(t)
	other.Get("/signin")
	if res := other.PostForm("/signin", url.Values{"email": {"admin@harbour.example"}, "password": {plain}}); res.StatusCode != 422 {
		t.Fatalf("an app password opened the web sign-in: %d", res.StatusCode)
	}
}

func TestInvitationPagesAndBadInput(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		// Bad input: everything refused at once, nothing sent.
		res := admin.PostForm("/people/invite", url.Values{"email": {"not an address"}, "role": {"wizard"}})
		if res.StatusCode != 422 || res.Doc.Find(".field-error").Length() < 3 {
			t.Fatalf("bad invitation: %d, %d errors", res.StatusCode, res.Doc.Find(".field-error").Length())
		}
		before, _ := app.Mailer().Recent(context.Background(), 100)
		res = admin.PostForm("/people/invite", url.Values{"email": {"sam@example.org"}, "given_name": {"Sam"}, "family_name": {"Visser"}, "role": {"coachee"}, "locale": {"nl"}})
		if res.StatusCode != 303 {
			t.Fatalf("invite: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		after, _ := app.Mailer().Recent(context.Background(), 100)
		if len(after) != len(before)+1 || after[0].Subject != "Je account bij Harbour Coaching" {
			t.Fatalf("invitation mail: %d → %d, %q", len(before), len(after), after[0].Subject)
		}
		link := regexp.MustCompile(`/invitation/\S+`).FindString(after[0].Text)
		sam := app.Client(t)
		page := sam.Get(link)
		if page.StatusCode != 200 || !strings.Contains(page.Text("h1"), "Sam") || page.Doc.Find("#password-rules li").Length() != 4 {
			t.Fatalf("invitation page: %d %q", page.StatusCode, page.Text("h1"))
		}
		if joining := page.Text("#joining"); !strings.Contains(joining, "Harbour Coaching") {
			t.Errorf("the invitation does not say whom the account joins: %q", joining)
		}
		// A weak password is refused with its reason; the terms are required.
		res = sam.PostForm(link, url.Values{"password": {"football"}, "confirm": {"football"}})
		if res.StatusCode != 422 || !strings.Contains(res.Text("#f-password-error"), "characters") || res.Text("#f-terms-error") == "" {
			t.Fatalf("weak password: %d %q %q", res.StatusCode, res.Text("#f-password-error"), res.Text("#f-terms-error"))
		}
		// The live check answers with the checklist.
		check := sam.PostForm("/password/check", url.Values{"password": {"Football2024!"}, "email": {"sam@example.org"}}, "HX-Request", "true")
		if check.Doc.Find(".rule-met").Length() != 3 || check.Doc.Find(".rule-open").Length() != 1 {
			t.Fatalf("live check: %s", check.Body)
		}
		res = sam.PostForm(link, url.Values{"password": {"Tulip-Harbour-93"}, "confirm": {"Tulip-Harbour-93"}, "terms": {"yes"}})
		if res.StatusCode != 303 || res.Header.Get("Location") != "/setup/factor" {
			t.Fatalf("accept: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		// The link works once; the page says what to do.
		again := app.Client(t).Get(link)
		if again.StatusCode != 410 || again.Text("h1") != "Deze uitnodiging is al gebruikt" && again.Text("h1") != "This invitation was used already" {
			t.Fatalf("reused link: %d %q", again.StatusCode, again.Text("h1"))
		}
		if res := app.Client(t).Get("/invitation/garbage"); res.StatusCode != 410 {
			t.Fatalf("garbage link: %d", res.StatusCode)
		}
	})
}

func TestForgotPasswordAnswersTheSame(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	c.Get("/forgot")
	known := c.PostForm("/forgot", url.Values{"email": {"coach@harbour.example"}})
	unknown := c.PostForm("/forgot", url.Values{"email": {"nobody@harbour.example"}})
	if known.StatusCode != 200 || known.Text("main p") != unknown.Text("main p") {
		t.Fatalf("answers differ: %q / %q", known.Text("main p"), unknown.Text("main p"))
	}
	if res := c.PostForm("/forgot", url.Values{"email": {""}}); res.StatusCode != 422 {
		t.Fatalf("empty address: %d", res.StatusCode)
	}
}

func TestAccountPagesRender(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	c := app.Client(t)
	c.SignIn("coachee@harbour.example")
	for path, h1 := range map[string]string{
		"/settings": "Settings", "/settings/password": "Settings", "/settings/security": "Settings",
		"/settings/app-passwords": "Settings", "/settings/sessions": "Settings", "/terms": "Terms of use",
	} {
		res := c.Get(path)
		if res.StatusCode != 200 || res.Text("h1") != h1 {
			t.Errorf("%s: %d %q", path, res.StatusCode, res.Text("h1"))
		}
	}
	// Profile: bad input changes nothing; good input is saved.
	res := c.PostForm("/settings", url.Values{"given_name": {""}, "family_name": {"Bakker"}, "phone": {"<script>"}, "locale": {"xx"}, "time_zone": {"Mars/Olympus"}})
	if res.StatusCode != 422 || res.Doc.Find(".field-error").Length() != 4 {
		t.Fatalf("bad profile: %d, %d errors", res.StatusCode, res.Doc.Find(".field-error").Length())
	}
	res = c.PostForm("/settings", url.Values{"given_name": {"Kim"}, "family_name": {"Bakker"}, "phone": {"+31 6 1234 5678"}, "locale": {"nl"}, "time_zone": {"Europe/Amsterdam"}})
	if res.StatusCode != 303 {
		t.Fatalf("profile: %d", res.StatusCode)
	}
	if got := c.Get("/settings").Text("h1"); got != "Instellingen" {
		t.Errorf("the profile's language should apply at once: %q", got)
	}
	// A coachee is not an administrator.
	for _, path := range []string{"/people", "/people/invite", "/dev/mail"} {
		if res := c.Get(path); res.StatusCode != 403 {
			t.Errorf("coachee at %s: %d", path, res.StatusCode)
		}
	}
}

// TestParallelWrongPasswordsAreThrottledAtOnce is the race of issue 14:
// twelve wrong passwords sent at once were all checked, because the
// throttle's check and its count were apart. Now only the tries the
// throttle allows are checked; the others are refused before any hashing.
func TestParallelWrongPasswordsAreThrottledAtOnce(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		clients := make([]*coretest.Client, 12)
		for i := range clients {
			clients[i] = app.Client(t)
			clients[i].Get("/signin")
		}
		statuses := make([]int, len(clients))
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = c.PostForm("/signin", url.Values{"email": {"coach@harbour.example"}, "password": {"Wrong-Password-" + strconv.Itoa(i)}}).StatusCode
			}()
		}
		wg.Wait()
		counts := map[int]int{}
		for _, s := range statuses {
			counts[s]++
		}
		allowed := app.Identity().Config().ThrottleAfter
		if counts[422] != allowed || counts[429] != len(clients)-allowed {
			t.Fatalf("answers %v: want %d refusals after a check and %d throttled", counts, allowed, len(clients)-allowed)
		}
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		n, err := app.DB().NewSelect().Table("audit_events").Where("action = ? AND subject_id = ?", "identity.sign_in_failed", coach.ID).Count(ctx)
		if err != nil || int(n) != allowed {
			t.Fatalf("%d passwords were checked (%v), want %d", n, err, allowed)
		}
	})
}

// TestForgotPasswordOfAGuest: someone a dossier was shared with, who never
// set up the account, asks for a new password: they get the sharing
// organisation's invitation again, and the answer reads as for any address
// (it was a 500 that told the address existed).
func TestForgotPasswordOfAGuest(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)
		admin, _ := app.Identity().ByEmail(ctx, "admin@harbour.example")
		who := dossier.Who{UserID: admin.ID, OrgID: org.ID, Can: access.Set{}.Add(access.DossiersManage)}
		if _, err := app.Dossiers().ShareWith(ctx, who, app.DossierOf(t, "coachee@harbour.example"), "guest@example.org", dossier.View, ""); err != nil {
			t.Fatal(err)
		}
		first := app.MailedLink(t, "guest@example.org", "/invitation/")
		c := app.Client(t)
		c.Get("/forgot")
		guest := c.PostForm("/forgot", url.Values{"email": {"guest@example.org"}})
		nobody := c.PostForm("/forgot", url.Values{"email": {"nobody@example.org"}})
		if guest.StatusCode != 200 || guest.Text("main p") != nobody.Text("main p") {
			t.Fatalf("a guest's request: %d %q, an unknown address: %q", guest.StatusCode, guest.Text("main p"), nobody.Text("main p"))
		}
		again := app.MailedLink(t, "guest@example.org", "/invitation/")
		if again == first || app.Client(t).Get(again).StatusCode != 200 {
			t.Errorf("the guest did not get a fresh invitation")
		}
	})
}

// TestForgotPasswordsOfAnOffice: people behind one address (an office, a
// school) each ask for a new password: every one gets a link. Requests were
// throttled per address after three, so one visitor could stop an office.
func TestForgotPasswordsOfAnOffice(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	ctx := context.Background()
	c := app.Client(t)
	c.Get("/forgot")
	people := []string{"admin@harbour.example", "coach@harbour.example", "coachee@harbour.example", "hr@harbour.example"}
	org, _ := app.Organisations().BySlug(ctx, demo.Slug)
	for _, email := range []string{"a@harbour.example", "b@harbour.example"} {
		app.Person(t, org, email, "coach")
		people = append(people, email)
	}
	for _, email := range people {
		if res := c.PostForm("/forgot", url.Values{"email": {email}}); res.StatusCode != 200 {
			t.Fatalf("forgot %s: %d", email, res.StatusCode)
		}
	}
	for _, email := range people {
		app.MailedLink(t, email, "/reset/") // fails the test when missing
	}
}
