package account_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

// TestRecoveryRevokesAccess: whoever held the old secrets is out after a
// recovery. A password reset, an administrator's reset of the second step
// and a new sign-in address end every session and revoke app passwords and
// feed addresses; a person's own password change does so when ticked (the
// default) and otherwise ends only the other sessions.
func TestRecoveryRevokesAccess(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Before: func(a *core.App) {
			a.Router().Get("/dav/whoami", a.Web().AppPasswordAuth(), func(c fiber.Ctx) error {
				return c.SendString(web.ProtocolUser(c).Email)
			})
		}})
		ctx := context.Background()
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)
		for _, email := range []string{"ticked@harbour.example", "unticked@harbour.example"} {
			if _, _, err := app.Identity().Seed(ctx, org, identity.Invitee{Email: email, GivenName: "P", FamilyName: "Q", Role: access.RoleCoach}, demo.Password, demo.TOTPSecret); err != nil {
				t.Fatal(err)
			}
		}
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")

		// held is what someone who knew the person's secrets would keep: a
		// second session, an app password and a feed address.
		type held struct {
			email, appPassword, feed string
			other                    *coretest.Client
		}
		hold := func(email string) (*coretest.Client, held) {
			t.Helper()
			c := app.Client(t)
			c.SignIn(email)
			plain := c.PostForm("/settings/app-passwords", url.Values{"name": {"Calendar"}}).Text("#new-app-password")
			u, _ := app.Identity().ByEmail(ctx, email)
			feed, err := app.Identity().IssueFeed(ctx, u.ID, org.ID, "agenda")
			if err != nil {
				t.Fatal(err)
			}
			return c, held{email: email, appPassword: plain, feed: feed, other: c}
		}
		appPasswordWorks := func(email, plain string) bool {
			req, _ := http.NewRequest(http.MethodGet, app.URL+"/dav/whoami", nil)
			req.SetBasicAuth(email, plain)
			return app.Client(t).Do(req).StatusCode == 200
		}
		revoked := func(what string, h held, email string) {
			t.Helper()
			if appPasswordWorks(email, h.appPassword) {
				t.Errorf("%s: the app password still works", what)
			}
			if _, _, err := app.Identity().CheckFeed(ctx, "agenda", h.feed); err == nil {
				t.Errorf("%s: the feed address still works", what)
			}
			if res := h.other.Get("/settings"); res.StatusCode != 303 {
				t.Errorf("%s: the session still works: %d", what, res.StatusCode)
			}
		}
		person := func(email string) string {
			u, _ := app.Identity().ByEmail(ctx, email)
			return "/people/" + strconv.FormatInt(u.ID, 10)
		}

		// A password reset through the mailbox.
		_, h := hold("coach@harbour.example")
		visitor := app.Client(t)
		visitor.Get("/forgot")
		visitor.PostForm("/forgot", url.Values{"email": {h.email}})
		mails, _ := app.Mailer().Recent(ctx, 5)
		link := regexp.MustCompile(`/reset/\S+`).FindString(mails[0].Text)
		visitor.Get(link)
		if res := visitor.PostForm(link, url.Values{"password": {"Harbour-Tulip-39"}, "confirm": {"Harbour-Tulip-39"}}); res.StatusCode != 303 {
			t.Fatalf("reset: %d", res.StatusCode)
		}
		revoked("password reset", h, h.email)

		// An administrator's reset of the second step; the owner is told.
		_, h = hold("hr@harbour.example")
		if res := admin.PostForm(person(h.email)+"/reset-factor", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("factor reset: %d", res.StatusCode)
		}
		revoked("factor reset", h, h.email)
		if mails, _ := app.Mailer().Recent(ctx, 1); mails[0].Recipient != h.email || mails[0].Subject != "Your second sign-in step was reset" {
			t.Errorf("the owner was not told of the factor reset: %q to %s", mails[0].Subject, mails[0].Recipient)
		}

		// A new sign-in address.
		_, h = hold("coachee@harbour.example")
		if res := admin.PostForm(person(h.email)+"/email", url.Values{"email": {"kim.bakker@harbour.example"}}); res.StatusCode != 303 {
			t.Fatalf("address change: %d", res.StatusCode)
		}
		confirm := app.MailedLink(t, "kim.bakker@harbour.example", "/address/")
		mailbox := app.Client(t)
		mailbox.Get(confirm)
		if res := mailbox.PostForm(confirm, url.Values{}); res.StatusCode != 303 {
			t.Fatalf("confirming the new address: %d", res.StatusCode)
		}
		revoked("address change", h, "kim.bakker@harbour.example")

		// The person's own password change: ticked by default, it revokes too.
		c, h := hold("ticked@harbour.example")
		if box := c.Get("/settings/password").Doc.Find(`input[name=everywhere]`); box.AttrOr("checked", "no") == "no" {
			t.Error("revoking everywhere is not ticked by default")
		}
		third := app.Client(t)
		third.SignIn(h.email)
		h.other = third
		if res := c.PostForm("/settings/password", url.Values{"current": {demo.Password}, "password": {"Harbour-Tulip-41"}, "confirm": {"Harbour-Tulip-41"}, "everywhere": {"on"}}); res.StatusCode != 303 {
			t.Fatalf("password change: %d", res.StatusCode)
		}
		revoked("password change, ticked", h, h.email)
		if res := c.Get("/settings"); res.StatusCode != 200 {
			t.Errorf("the changing session was ended: %d", res.StatusCode)
		}
		// Unticked, only the other sessions end.
		c, h = hold("unticked@harbour.example")
		if res := c.PostForm("/settings/password", url.Values{"current": {demo.Password}, "password": {"Harbour-Tulip-42"}, "confirm": {"Harbour-Tulip-42"}}); res.StatusCode != 303 {
			t.Fatalf("password change: %d", res.StatusCode)
		}
		if !appPasswordWorks(h.email, h.appPassword) {
			t.Error("unticked, the app password was revoked anyway")
		}
	})
}
