package people_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestAnotherTenantCannotTakeOverAnAccount is the takeover of issue 14:
// another subscriber's administrator invited an address with an account,
// which made it a member at once, then changed its sign-in address and
// reset its second factor, and so owned it. Now an existing account joins
// only when its owner accepts, and account-wide actions belong to the one
// subscriber tree that has the account alone (or to the operator).
func TestAnotherTenantCannotTakeOverAnAccount(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		app.Person(t, harbour, "admin2@harbour.example", access.RoleAdmin) // an administrator who is not the operator
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		operator, _ := app.Identity().ByEmail(ctx, "admin@harbour.example")
		person := func(u *identity.User) string { return "/people/" + strconv.FormatInt(u.ID, 10) }
		unchanged := func(step string) {
			t.Helper()
			now, _ := app.Identity().ByID(ctx, coach.ID)
			if now.Email != coach.Email || !now.TOTPEnabled || now.TOTPSecret != coach.TOTPSecret || now.GivenName != coach.GivenName {
				t.Fatalf("%s: the coach's account was changed: %+v", step, now)
			}
		}

		attacker := app.Client(t)
		attacker.SignIn("admin@north.example")
		// 1. The invitation asks; it does not make a member.
		res := attacker.PostForm("/people/invite", url.Values{"email": {coach.Email}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"coach"}})
		if res.StatusCode != 303 {
			t.Fatalf("invite: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		if member, _ := app.Organisations().IsMember(ctx, north.ID, coach.ID); member {
			t.Fatal("inviting an existing account made it a member")
		}
		// A new address reads the same: the list does not tell who has an account.
		if res := attacker.PostForm("/people/invite", url.Values{"email": {"brand.new@example.org"}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"coach"}}); res.StatusCode != 303 {
			t.Fatalf("invite a new address: %d", res.StatusCode)
		}
		list := attacker.Get("/people")
		for _, email := range []string{coach.Email, "brand.new@example.org"} {
			if !strings.Contains(list.Text("#invited"), email) || strings.Contains(list.Text("table"), email) {
				t.Errorf("%s is not listed as invited only: %q", email, list.Text("#invited"))
			}
		}
		if again := attacker.PostForm("/people/invite", url.Values{"email": {coach.Email}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"coach"}}); again.StatusCode != 422 {
			t.Errorf("a second invitation: %d", again.StatusCode)
		}
		if link := app.MailedLink(t, coach.Email, "/invitation"); link != "/invitations" {
			t.Errorf("the owner was not asked by mail: %q", link)
		}
		// 2. Until the owner answers, nothing of the account is North's.
		for _, path := range []string{"/email", "/reset-factor", "/name", "/unlock", "/roles", "/erase"} {
			if res := attacker.PostForm(person(coach)+path, url.Values{"email": {"eve@north.example"}, "given_name": {"Eve"}, "family_name": {"Eve"}, "confirm": {"1"}}); res.StatusCode != 404 {
				t.Errorf("%s before an answer: %d", path, res.StatusCode)
			}
		}
		if res := attacker.Get(person(coach)); res.StatusCode != 404 {
			t.Errorf("the person page before an answer: %d", res.StatusCode)
		}
		unchanged("before the answer")

		// 3. The owner sees the invitation and accepts it.
		owner := app.Client(t)
		owner.SignIn(coach.Email)
		home := owner.Get("/settings")
		if nav := home.Doc.Find(`#nav a[href="/invitations"]`); nav.Length() != 1 || !strings.Contains(nav.Text(), "1 waiting for your answer") {
			t.Errorf("the navigation does not offer the invitation: %q", home.Text("#nav"))
		}
		page := owner.Get("/invitations")
		if !strings.Contains(page.Text("#invitations"), "North Care") {
			t.Fatalf("invitations page: %q", page.Text("#invitations"))
		}
		if res := owner.PostForm("/invitations/"+strconv.FormatInt(north.ID, 10)+"/accept", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("accept: %d", res.StatusCode)
		}
		if member, _ := app.Organisations().IsMember(ctx, north.ID, coach.ID); !member {
			t.Fatal("accepting did not make a member")
		}
		if res := owner.PostForm("/invitations/"+strconv.FormatInt(north.ID, 10)+"/accept", url.Values{}); res.StatusCode != 404 {
			t.Errorf("accepting twice: %d", res.StatusCode)
		}

		// 4. A member of two subscribers: neither administrator acts on the whole account.
		page = attacker.Get(person(coach))
		if page.StatusCode != 200 || page.Doc.Find("#not-steward").Length() != 1 || page.Doc.Find(`form[action$="/email"]`).Length() != 0 || page.Doc.Find(`form[action$="/reset-factor"]`).Length() != 0 {
			t.Errorf("North's person page offers account-wide actions: %d", page.StatusCode)
		}
		harbourAdmin := app.Client(t)
		harbourAdmin.SignIn("admin2@harbour.example")
		for _, who := range []*coretest.Client{attacker, harbourAdmin} {
			for _, path := range []string{"/email", "/reset-factor", "/name", "/unlock"} {
				res := who.PostForm(person(coach)+path, url.Values{"email": {"eve@north.example"}, "given_name": {"Eve"}, "family_name": {"Eve"}})
				if res.StatusCode != 403 || res.Text("h1") != "Not yours alone to change" {
					t.Errorf("%s on a shared account: %d %q", path, res.StatusCode, res.Text("h1"))
				}
			}
			who.PostForm(person(coach)+"/erase", url.Values{"confirm": {"1"}}) // refused with a message; unchanged() below
		}
		unchanged("after the refused account-wide actions")
		if _, err := app.Identity().SignIn(ctx, coach.Email, demo.Password, "", "10.9.9.9"); err != nil {
			t.Errorf("the owner's password no longer works: %v", err)
		}
		// What acts on the membership stays North's.
		if res := attacker.PostForm(person(coach)+"/roles", url.Values{"roles": {"coachee"}}); res.StatusCode != 303 {
			t.Errorf("roles in North: %d", res.StatusCode)
		}
		if roles, _ := app.Organisations().RolesOf(ctx, harbour.ID, coach.ID); len(roles) != 1 || roles[0] != access.RoleCoach {
			t.Errorf("North's change reached Harbour's roles: %v", roles)
		}

		// 5. The operator's account is no tenant administrator's, even in its own organisation.
		for _, path := range []string{"/email", "/reset-factor", "/name"} {
			if res := harbourAdmin.PostForm(person(operator)+path, url.Values{"email": {"eve@harbour.example"}, "given_name": {"Eve"}, "family_name": {"Eve"}}); res.StatusCode != 403 {
				t.Errorf("%s on the operator: %d", path, res.StatusCode)
			}
		}
		if after, _ := app.Identity().ByID(ctx, operator.ID); after.Email != operator.Email || !after.TOTPEnabled {
			t.Fatal("the operator's account was changed")
		}
		// The operator may act on a shared account; it is audited.
		op := app.Client(t)
		op.SignIn(operator.Email)
		if res := op.PostForm(person(coach)+"/name", url.Values{"given_name": {"Chris"}, "family_name": {"Jansen"}}); res.StatusCode != 303 {
			t.Errorf("the operator correcting a name: %d", res.StatusCode)
		}

		// 6. An account Harbour has alone stays Harbour's to look after.
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		if res := harbourAdmin.PostForm(person(kim)+"/name", url.Values{"given_name": {"Kim"}, "family_name": {"Bakker"}}); res.StatusCode != 303 {
			t.Errorf("Harbour on its own member: %d", res.StatusCode)
		}

		// 7. Declining and withdrawing leave nothing behind.
		hr, _ := app.Identity().ByEmail(ctx, "hr@harbour.example")
		attacker.PostForm("/people/invite", url.Values{"email": {hr.Email}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"coachee"}})
		hrClient := app.Client(t)
		hrClient.SignIn(hr.Email)
		if res := hrClient.PostForm("/invitations/"+strconv.FormatInt(north.ID, 10)+"/decline", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("decline: %d", res.StatusCode)
		}
		if member, _ := app.Organisations().IsMember(ctx, north.ID, hr.ID); member {
			t.Error("declining made a member")
		}
		attacker.PostForm("/people/invite", url.Values{"email": {kim.Email}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"coachee"}})
		withdraw := "/people/invitations/" + strconv.FormatInt(north.ID, 10) + "/withdraw"
		if res := harbourAdmin.PostForm(withdraw, url.Values{"email": {kim.Email}}); res.StatusCode != 404 {
			t.Errorf("Harbour withdrawing North's invitation: %d", res.StatusCode)
		}
		if res := attacker.PostForm(withdraw, url.Values{"email": {"nobody@example.org"}}); res.StatusCode != 404 {
			t.Errorf("withdrawing an invitation never sent: %d", res.StatusCode)
		}
		if res := attacker.PostForm(withdraw, url.Values{"email": {" " + strings.ToUpper(kim.Email)}}); res.StatusCode != 303 {
			t.Errorf("withdraw: %d", res.StatusCode)
		}
		if n, _ := app.Organisations().PendingInvitations(ctx, kim.ID); n != 0 {
			t.Errorf("invitations left: %d", n)
		}
		// The list names invitations by address, never by the account behind them.
		attacker.PostForm("/people/invite", url.Values{"email": {kim.Email}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"coachee"}})
		forms := attacker.Get("/people").Doc.Find("#invited form")
		if forms.Length() == 0 {
			t.Fatal("no actions on the invited list")
		}
		forms.Each(func(_ int, f *goquery.Selection) {
			if action, _ := f.Attr("action"); !regexp.MustCompile(`^/people/invitations/\d+/(resend|withdraw)$`).MatchString(action) {
				t.Errorf("an invitation action names more than its organisation: %s", action)
			}
		})
		// North's log tells what North did, with the addresses it typed;
		// never the real name of an account that is not North's.
		log := attacker.Get("/organisation/audit").Text("main")
		for _, name := range []string{kim.GivenName + " " + kim.FamilyName, hr.GivenName + " " + hr.FamilyName} {
			if strings.Contains(log, name) {
				t.Errorf("North's audit log names %q", name)
			}
		}
		if !strings.Contains(log, kim.Email) || strings.Contains(log, "audit.") {
			t.Errorf("North's audit log: %q", log)
		}
		var actions []string
		_ = app.DB().NewSelect().Table("audit_events").Column("action").Where("organisation_id = ?", north.ID).Scan(ctx, &actions)
		for _, want := range []string{"identity.invitation_accepted", "identity.invitation_declined", "people.invitation_withdrawn"} {
			if !strings.Contains(strings.Join(actions, " "), want) {
				t.Errorf("North's audit log lacks %s: %v", want, actions)
			}
		}
	})
}

// TestDaughterAdministratorsDoNotLookAfterTheParentsPeople: within one
// subscriber tree, an administrator of a daughter acts on the whole
// account only of people who belong to that daughter (or below) alone.
func TestDaughterAdministratorsDoNotLookAfterTheParentsPeople(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		south, err := app.Organisations().CreateDaughter(ctx, harbour, tenancy.Details{Name: "Harbour South", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err != nil {
			t.Fatal(err)
		}
		app.Person(t, south, "admin@south.example", access.RoleAdmin)
		local := app.Person(t, south, "local@south.example", access.RoleCoachee)
		// Harbour's coach works in the daughter too.
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		if err := tenancy.AddMember(ctx, app.DB(), south.ID, coach.ID, access.RoleCoach); err != nil {
			t.Fatal(err)
		}
		admin := app.Client(t)
		admin.SignIn("admin@south.example")
		if res := admin.PostForm("/people/"+strconv.FormatInt(coach.ID, 10)+"/email", url.Values{"email": {"eve@south.example"}}); res.StatusCode != 403 {
			t.Errorf("the daughter's administrator changing a parent member's address: %d", res.StatusCode)
		}
		if res := admin.PostForm("/people/"+strconv.FormatInt(local.ID, 10)+"/email", url.Values{"email": {"local2@south.example"}}); res.StatusCode != 303 {
			t.Errorf("the daughter's administrator on its own member: %d", res.StatusCode)
		}
	})
}

// TestAddressesCannotBeSquatted is the seat takeover the hostile review
// found: a tenant's administrator put another tenant's person's address on
// an account of their own, then received the invitations sent to that
// address. A new address now takes effect only when its mailbox confirms.
func TestAddressesCannotBeSquatted(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		squat := app.Person(t, north, "squat@north.example", access.RoleCoachee)
		attacker := app.Client(t)
		attacker.SignIn("admin@north.example")
		const victim = "new.colleague@harbour.example"
		if res := attacker.PostForm("/people/"+strconv.FormatInt(squat.ID, 10)+"/email", url.Values{"email": {victim}}); res.StatusCode != 303 {
			t.Fatalf("address change: %d", res.StatusCode)
		}
		if u, _ := app.Identity().ByID(ctx, squat.ID); u.Email != squat.Email {
			t.Fatalf("the address changed without its mailbox: %q", u.Email)
		}
		// Harbour invites the address: it is nobody's account, so a new one is made for it.
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		if res := admin.PostForm("/people/invite", url.Values{"email": {victim}, "given_name": {"New"}, "family_name": {"Colleague"}, "role": {"admin"}}); res.StatusCode != 303 {
			t.Fatalf("invite: %d", res.StatusCode)
		}
		invited, err := app.Identity().ByEmail(ctx, victim)
		if err != nil || invited.ID == squat.ID {
			t.Fatalf("the invitation reached the squatting account: %v", err)
		}
		if n, _ := app.Organisations().PendingInvitations(ctx, squat.ID); n != 0 {
			t.Errorf("the squatting account was asked to join: %d", n)
		}
		// The squatter's confirmation link never reached them; the one in
		// the victim's mailbox cannot take the address now it is taken.
		link := app.MailedLink(t, victim, "/address/")
		mailbox := app.Client(t)
		mailbox.Get(link)
		if res := mailbox.PostForm(link, url.Values{}); res.StatusCode != 410 {
			t.Errorf("confirming a taken address: %d", res.StatusCode)
		}
		if u, _ := app.Identity().ByID(ctx, squat.ID); u.Email != squat.Email {
			t.Errorf("the squatting account took the address: %q", u.Email)
		}
	})
}

// TestAskingAnAccountNotSetUpYet: a second organisation inviting an address
// whose account is still to be set up asks it, with its own link, and
// leaves the first organisation's link working. Using one organisation's
// link is the yes to that one only: the other's question waits at
// /invitations, to accept or decline (the first to invite does not join
// every later set-up). A withdrawn invitation's link ends, and so does a
// reset link mailed before an address change.
func TestAskingAnAccountNotSetUpYet(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		harbour := app.Client(t)
		harbour.SignIn("admin@harbour.example")
		northAdmin := app.Client(t)
		northAdmin.SignIn("admin@north.example")
		invite := func(c *coretest.Client, email string) {
			t.Helper()
			if res := c.PostForm("/people/invite", url.Values{"email": {email}, "given_name": {"Nina"}, "family_name": {"Nieuw"}, "role": {"coachee"}}); res.StatusCode != 303 {
				t.Fatalf("invite %s: %d %s", email, res.StatusCode, res.Text(".field-error"))
			}
		}
		const email = "nina@example.org"
		invite(harbour, email)
		first := app.MailedLink(t, email, "/invitation/")
		invite(northAdmin, email)
		second := app.MailedLink(t, email, "/invitation/")
		nina, _ := app.Identity().ByEmail(ctx, email)
		harbourOrg, _ := app.Organisations().BySlug(ctx, demo.Slug)
		if member, _ := app.Organisations().IsMember(ctx, north.ID, nina.ID); member {
			t.Fatal("the second invitation made a member without an answer")
		}
		if res := northAdmin.Get("/people/" + strconv.FormatInt(nina.ID, 10)); res.StatusCode != 404 {
			t.Errorf("North reaches the account before the answer: %d", res.StatusCode)
		}
		if first == second {
			t.Fatal("the second organisation's mail carried the first's link")
		}
		visitor := app.Client(t)
		if page := visitor.Get(first); page.StatusCode != 200 {
			t.Fatalf("the first organisation's link stopped working: %d", page.StatusCode)
		}
		// The second link names North only, and using it joins North only.
		page := visitor.Get(second)
		if joining := page.Text("#joining"); !strings.Contains(joining, "North Care") || strings.Contains(joining, "Harbour Coaching") {
			t.Errorf("the first-time page names %q", joining)
		}
		if res := visitor.PostForm(second, url.Values{"password": {"Tulip-Harbour-93"}, "confirm": {"Tulip-Harbour-93"}, "terms": {"yes"}}); res.StatusCode != 303 {
			t.Fatalf("accept: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		if member, _ := app.Organisations().IsMember(ctx, north.ID, nina.ID); !member {
			t.Error("not a member of North after using its link")
		}
		if member, _ := app.Organisations().IsMember(ctx, harbourOrg.ID, nina.ID); member {
			t.Error("a member of Harbour, which she never answered")
		}
		if asked, _ := app.Organisations().InvitationsOf(ctx, nina.ID); len(asked) != 1 || asked[0].OrganisationID != harbourOrg.ID {
			t.Errorf("Harbour's question does not wait for her answer: %+v", asked)
		}
		// The first link, of an account set up now, sets nothing.
		if res := app.Client(t).Get(first); res.StatusCode != 410 {
			t.Errorf("an invitation link of an account set up already: %d", res.StatusCode)
		}

		// A typo corrected: the organisation withdraws and invites again;
		// the link to the wrong address ends.
		invite(harbour, "jon.typo@example.org")
		typo := app.MailedLink(t, "jon.typo@example.org", "/invitation/")
		jon, _ := app.Identity().ByEmail(ctx, "jon.typo@example.org")
		if res := harbour.PostForm("/people/invitations/"+strconv.FormatInt(harbourOrg.ID, 10)+"/withdraw", url.Values{"email": {jon.Email}}); res.StatusCode != 303 {
			t.Fatalf("withdraw: %d", res.StatusCode)
		}
		if res := app.Client(t).Get(typo); res.StatusCode != 410 {
			t.Errorf("the withdrawn invitation's link still works: %d", res.StatusCode)
		}
		// A reset link mailed before an address change ends with it.
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		forgot := app.Client(t)
		forgot.Get("/forgot")
		forgot.PostForm("/forgot", url.Values{"email": {kim.Email}})
		reset := app.MailedLink(t, kim.Email, "/reset/")
		harbour.PostForm("/people/"+strconv.FormatInt(kim.ID, 10)+"/email", url.Values{"email": {"kim@example.org"}})
		confirm := app.MailedLink(t, "kim@example.org", "/address/")
		forgot.Get(confirm)
		if res := forgot.PostForm(confirm, url.Values{}); res.StatusCode != 303 {
			t.Fatalf("confirm: %d", res.StatusCode)
		}
		if res := app.Client(t).Get(reset); res.StatusCode != 410 {
			t.Errorf("a reset link to the old address still works: %d", res.StatusCode)
		}
	})
}
