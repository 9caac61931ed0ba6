package people_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestAnAddressChangeEndsWithTheStewardship is the third hostile review's
// delayed takeover: an administrator asked for a new sign-in address of
// an account their organisation looked after alone, and the link waited
// in the new mailbox (the administrator's own) while the account joined
// another subscriber; confirming it then moved an account that was no
// longer theirs. The link now holds only while the organisation that
// asked still looks after the account alone. The operator's request is
// the operator's, and holds.
func TestAnAddressChangeEndsWithTheStewardship(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		app.Person(t, harbour, "admin2@harbour.example", access.RoleAdmin) // not the operator
		lee := app.Person(t, harbour, "lee@harbour.example", access.RoleCoachee)
		ask := func(who, address string) string {
			t.Helper()
			c := app.SignedIn(t, who)
			if res := c.PostForm("/people/"+strconv.FormatInt(lee.ID, 10)+"/email", url.Values{"email": {address}}); res.StatusCode != 303 {
				t.Fatalf("%s asking for %s: %d", who, address, res.StatusCode)
			}
			return app.MailedLink(t, address, "/address/")
		}
		confirm := func(link string) int {
			c := app.Client(t)
			c.Get(link)
			return c.PostForm(link, url.Values{}).StatusCode
		}
		byAdmin := ask("admin2@harbour.example", "mine@harbour-admin.example")
		byOperator := ask("admin@harbour.example", "lee.new@example.org")
		if byAdmin == byOperator {
			t.Fatal("one link for two requests")
		}

		// Lee joins North, with her own yes.
		northAdmin := app.SignedIn(t, "admin@north.example")
		northAdmin.PostForm("/people/invite", url.Values{"email": {lee.Email}, "given_name": {"L"}, "family_name": {"Ee"}, "role": {"coachee"}})
		leeClient := app.SignedIn(t, lee.Email)
		if res := leeClient.PostForm("/invitations/"+strconv.FormatInt(north.ID, 10)+"/accept", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("accept: %d", res.StatusCode)
		}

		if st := confirm(byAdmin); st != 410 {
			t.Errorf("Harbour's administrator's link after Lee joined North: %d", st)
		}
		if now, _ := app.Identity().ByID(ctx, lee.ID); now.Email != lee.Email {
			t.Fatalf("the account moved to %s", now.Email)
		}
		if st := confirm(byOperator); st != 303 {
			t.Errorf("the operator's link: %d", st)
		}
		if now, _ := app.Identity().ByID(ctx, lee.ID); now.Email != "lee.new@example.org" {
			t.Errorf("the operator's change did not land: %s", now.Email)
		}
	})
}

// TestForgettingThePasswordDoesNotReviveAWithdrawnInvitation: an address
// still to be set up may ask for its invitation again at /forgot; one
// whose only invitation was withdrawn gets nothing (a withdrawal is
// final), one that is still asked gets the asking organisation's link.
func TestForgettingThePasswordDoesNotReviveAWithdrawnInvitation(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		admin := app.SignedIn(t, "admin@north.example")
		const nina = "nina@example.org"
		mailsTo := func() int {
			mails, err := app.Mailer().Recent(ctx, 500)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range mails {
				if m.Recipient == nina {
					n++
				}
			}
			return n
		}
		forgot := func() {
			c := app.Client(t)
			c.Get("/forgot")
			if res := c.PostForm("/forgot", url.Values{"email": {nina}}); res.StatusCode != 200 {
				t.Fatalf("forgot: %d", res.StatusCode)
			}
		}
		invite := func() {
			if res := admin.PostForm("/people/invite", url.Values{"email": {nina}, "given_name": {"Nina"}, "family_name": {"Vos"}, "role": {"coachee"}}); res.StatusCode != 303 {
				t.Fatalf("invite: %d", res.StatusCode)
			}
		}
		invite()
		if res := admin.PostForm("/people/invitations/"+strconv.FormatInt(north.ID, 10)+"/withdraw", url.Values{"email": {nina}}); res.StatusCode != 303 {
			t.Fatalf("withdraw: %d", res.StatusCode)
		}
		before := mailsTo()
		forgot()
		if after := mailsTo(); after != before {
			t.Errorf("a withdrawn invitation was mailed again (%d mails, %d before)", after, before)
		}
		// Asked again: the request brings North's link, which works.
		invite()
		first := app.MailedLink(t, nina, "/invitation/")
		forgot()
		again := app.MailedLink(t, nina, "/invitation/")
		if again == first {
			t.Fatal("no new invitation was mailed")
		}
		if res := app.Client(t).Get(again); res.StatusCode != 200 {
			t.Errorf("the invitation mailed again: %d", res.StatusCode)
		}
	})
}
