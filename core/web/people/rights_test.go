package people_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

// TestAccountActionsNeedEveryRightTheAccountHolds is the fourth hostile
// review's escalation: someone given only people.manage (a custom role)
// moved the administrator's sign-in address to a mailbox of their own,
// reset the second step, asked for a new password and signed in as the
// administrator. Whoever changes an account's address and second step can
// sign in as it, so these actions need every right the account holds, as
// giving its roles does.
func TestAccountActionsNeedEveryRightTheAccountHolds(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		boss := app.Person(t, north, "boss@north.example", access.RoleAdmin)
		x := app.Person(t, north, "x@north.example", access.RoleCoachee)
		everything := access.Set{}.Add(app.Access().Permissions()...)
		// The desk holds what a coachee holds, and people.manage: not what
		// an administrator holds.
		rights := append([]access.Permission{access.PeopleView, access.PeopleManage}, app.Access().BuiltInPermissions(access.RoleCoachee)...)
		role, err := app.Access().SaveCustomRole(ctx, everything, north.ID, 0, "People desk", rights)
		if err != nil {
			t.Fatal(err)
		}
		app.Person(t, north, "desk@north.example", role.Key())
		desk := app.SignedIn(t, "desk@north.example")
		person := func(id int64) string { return "/people/" + strconv.FormatInt(id, 10) }
		for _, path := range []string{"/email", "/reset-factor", "/name", "/unlock", "/erase"} {
			res := desk.PostForm(person(boss.ID)+path, url.Values{"email": {"desk-drop@evil.example"}, "given_name": {"E"}, "family_name": {"Ve"}, "confirm": {"1"}})
			if res.StatusCode != 403 {
				t.Errorf("%s on the administrator: %d", path, res.StatusCode)
			} else if !strings.Contains(res.Text("main"), "rights you do not have") {
				t.Errorf("%s: the refusal does not say why: %q", path, res.Text("main"))
			}
		}
		now, _ := app.Identity().ByID(ctx, boss.ID)
		if now.Email != boss.Email || now.PendingEmail != "" || !now.TOTPEnabled || now.GivenName != boss.GivenName {
			t.Fatalf("the administrator's account was changed: %+v", now)
		}
		// On someone within the desk's rights the actions work.
		if res := desk.PostForm(person(x.ID)+"/name", url.Values{"given_name": {"Xander"}, "family_name": {"X"}}); res.StatusCode != 303 {
			t.Errorf("the desk correcting a coachee's name: %d", res.StatusCode)
		}
	})
}

// TestAFactorResetTakesThePasswordToo: after an administrator reset an
// account's second step, whoever knew only the password signed in and set
// up an authenticator of their own. The reset now ends the password too;
// the owner chooses a new one through the link mailed to them, then sets
// up the authenticator.
func TestAFactorResetTakesThePasswordToo(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "boss@north.example", access.RoleAdmin)
		x := app.Person(t, north, "x@north.example", access.RoleCoachee)
		boss := app.SignedIn(t, "boss@north.example")
		if res := boss.PostForm("/people/"+strconv.FormatInt(x.ID, 10)+"/reset-factor", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("reset: %d", res.StatusCode)
		}
		thief := app.Client(t)
		thief.Get("/signin")
		if res := thief.PostForm("/signin", url.Values{"email": {x.Email}, "password": {demo.Password}}); res.StatusCode == 303 {
			t.Fatalf("the old password still signs in (to %s)", res.Header.Get("Location"))
		}
		if res := thief.Get("/setup/factor"); res.StatusCode == 200 && res.Doc.Find("#totp-secret").Length() > 0 {
			t.Fatal("the set-up of an authenticator is open without a sign-in")
		}
		// The owner's way back: the mailed link, a new password, a new authenticator.
		owner := app.Client(t)
		link := app.MailedLink(t, x.Email, "/reset/")
		owner.Get(link)
		if res := owner.PostForm(link, url.Values{"password": {"Owl-Lantern-Quartz-71"}, "confirm": {"Owl-Lantern-Quartz-71"}}); res.StatusCode != 303 {
			t.Fatalf("new password: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		owner.Get("/signin")
		if res := owner.PostForm("/signin", url.Values{"email": {x.Email}, "password": {"Owl-Lantern-Quartz-71"}}); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/setup/factor") {
			t.Fatalf("sign-in with the new password: %d to %s", res.StatusCode, res.Header.Get("Location"))
		}
		secret := strings.ReplaceAll(owner.Get("/setup/factor").Text("#totp-secret"), " ", "")
		if res := owner.PostForm("/setup/factor", url.Values{"code": {identity.CodeAt(secret, time.Now())}}); res.StatusCode != 200 && res.StatusCode != 303 {
			t.Fatalf("set-up: %d", res.StatusCode)
		}
		if u, _ := app.Identity().ByID(context.Background(), x.ID); !u.TOTPEnabled {
			t.Error("no authenticator after the owner's set-up")
		}
	})
}

// TestOnlyWhoMayGiveTheRoleTouchesItsInvitation: a coach may invite
// coachees but not make administrators; sending an administrator's
// invitation again or withdrawing it is refused to them as giving the
// role would be.
func TestOnlyWhoMayGiveTheRoleTouchesItsInvitation(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "boss@north.example", access.RoleAdmin)
		app.Person(t, north, "coach@north.example", access.RoleCoach)
		boss := app.SignedIn(t, "boss@north.example")
		if res := boss.PostForm("/people/invite", url.Values{"email": {"newadmin@example.org"}, "given_name": {"N"}, "family_name": {"A"}, "role": {"admin"}}); res.StatusCode != 303 {
			t.Fatalf("invite: %d", res.StatusCode)
		}
		coach := app.SignedIn(t, "coach@north.example")
		base := "/people/invitations/" + strconv.FormatInt(north.ID, 10)
		for _, action := range []string{"/resend", "/withdraw"} {
			if res := coach.PostForm(base+action, url.Values{"email": {"newadmin@example.org"}}); res.StatusCode != 403 {
				t.Errorf("a coach %s an administrator's invitation: %d", action, res.StatusCode)
			}
		}
		if asked, _ := app.Organisations().InvitationsIn(ctx, []int64{north.ID}); len(asked) != 1 {
			t.Errorf("invitations after the coach's tries: %d", len(asked))
		}
		// A coachee's invitation is the coach's to handle.
		coach.PostForm("/people/invite", url.Values{"email": {"c@example.org"}, "given_name": {"C"}, "family_name": {"Oachee"}, "role": {"coachee"}})
		if res := coach.PostForm(base+"/withdraw", url.Values{"email": {"c@example.org"}}); res.StatusCode != 303 {
			t.Errorf("a coach withdrawing a coachee's invitation: %d", res.StatusCode)
		}
	})
}

// TestAnAddressChangeTellsNothingOfOtherAccounts: asking for a new
// sign-in address answered "another account already uses this address",
// which told a tenant's administrator who has an account anywhere. Every
// request now reads the same; a taken address gets no link and cannot be
// confirmed.
func TestAnAddressChangeTellsNothingOfOtherAccounts(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		x := app.Person(t, north, "x@north.example", access.RoleCoachee)
		admin := app.SignedIn(t, "admin@north.example")
		p := "/people/" + strconv.FormatInt(x.ID, 10) + "/email"
		taken := admin.PostForm(p, url.Values{"email": {"coach@harbour.example"}})
		free := admin.PostForm(p, url.Values{"email": {"nobody-here@example.org"}})
		if taken.StatusCode != free.StatusCode || taken.Header.Get("Location") != free.Header.Get("Location") {
			t.Errorf("a taken address answers %d (%s), a free one %d (%s)", taken.StatusCode, taken.Header.Get("Location"), free.StatusCode, free.Header.Get("Location"))
		}
		mails, _ := app.Mailer().Recent(ctx, 50)
		for _, m := range mails {
			if m.Recipient == "coach@harbour.example" && strings.Contains(m.Text, "/address/") {
				t.Error("the owner of the taken address got a confirmation link")
			}
		}
		if u, _ := app.Identity().ByID(ctx, x.ID); u.Email != x.Email {
			t.Errorf("the address changed to %s", u.Email)
		}
	})
}
