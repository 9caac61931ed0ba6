package people_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

func TestAdministratorSeesAndHelpsPeople(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)
		// Someone without a second factor, who then locks themselves out.
		lena, _, err := app.Identity().Seed(ctx, org, identity.Invitee{Email: "lena@harbour.example", GivenName: "Lena", FamilyName: "Smit", Role: access.RoleCoachee}, demo.Password, "")
		if err != nil {
			t.Fatal(err)
		}
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		all := admin.Get("/people")
		if all.StatusCode != 200 || all.Doc.Find("tbody tr").Length() != 5 {
			t.Fatalf("people: %d, %d rows", all.StatusCode, all.Doc.Find("tbody tr").Length())
		}
		noFactor := admin.Get("/people?filter=no-factor")
		if rows := noFactor.Doc.Find("tbody tr"); rows.Length() != 1 || !strings.Contains(rows.Text(), "Lena Smit") {
			t.Fatalf("without second factor: %q", rows.Text())
		}
		for i := 0; i < app.Identity().Config().LockoutAfter; i++ {
			_, _ = app.Identity().SignIn(ctx, "lena@harbour.example", "wrong", "", "10.1.1."+strconv.Itoa(i))
			_, _ = app.DB().NewDelete().Table("sign_in_throttles").Where("1 = 1").Exec(ctx)
		}
		person := "/people/" + strconv.FormatInt(lena.ID, 10)
		page := admin.Get(person)
		if !strings.Contains(page.Text("dl"), "Locked") || page.Doc.Find(`form[action$="/unlock"]`).Length() != 1 {
			t.Fatalf("locked person: %q", page.Text("dl"))
		}
		if res := admin.PostForm(person+"/unlock", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("unlock: %d", res.StatusCode)
		}
		if _, err := app.Identity().SignIn(ctx, "lena@harbour.example", demo.Password, "", "10.2.2.2"); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		// Bad input for a new address changes nothing; a good one is audited.
		// (A taken address reads as any other: TestAnAddressChangeTellsNothingOfOtherAccounts.)
		if res := admin.PostForm(person+"/email", url.Values{"email": {"not an address"}}); res.StatusCode != 422 {
			t.Errorf("bad address: %d", res.StatusCode)
		}
		if res := admin.PostForm(person+"/email", url.Values{"email": {"lena.smit@harbour.example"}}); res.StatusCode != 303 {
			t.Errorf("change address: %d", res.StatusCode)
		}
		// It waits for the new mailbox; the page says so.
		if page := admin.Get(person); !strings.Contains(page.Text("#pending-email"), "lena.smit@harbour.example") {
			t.Errorf("the pending address is not shown: %q", page.Text("dl"))
		}
		if still, _ := app.Identity().ByID(ctx, lena.ID); still.Email != "lena@harbour.example" {
			t.Fatalf("the address changed before its mailbox confirmed it: %q", still.Email)
		}
		link := app.MailedLink(t, "lena.smit@harbour.example", "/address/")
		mailbox := app.Client(t)
		if page := mailbox.Get(link); page.StatusCode != 200 || !strings.Contains(page.Text("main"), "lena.smit@harbour.example") {
			t.Fatalf("confirmation page: %d", page.StatusCode)
		}
		if res := mailbox.PostForm(link, url.Values{}); res.StatusCode != 303 {
			t.Fatalf("confirm: %d", res.StatusCode)
		}
		changed, _ := app.Identity().ByID(ctx, lena.ID)
		if changed.Email != "lena.smit@harbour.example" || changed.PendingEmail != "" {
			t.Errorf("address: %q (pending %q)", changed.Email, changed.PendingEmail)
		}
		if res := app.Client(t).Get(link); res.StatusCode != 410 {
			t.Errorf("the confirmation link works twice: %d", res.StatusCode)
		}
		// Reset the coach's second factor.
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		if res := admin.PostForm("/people/"+strconv.FormatInt(coach.ID, 10)+"/reset-factor", url.Values{}); res.StatusCode != 303 {
			t.Errorf("reset factor: %d", res.StatusCode)
		}
		if after, _ := app.Identity().ByID(ctx, coach.ID); after.TOTPEnabled {
			t.Error("factor still enabled")
		}
		var actions []string
		_ = app.DB().NewSelect().Table("audit_events").Column("action").Where("actor_id IS NOT NULL").Scan(ctx, &actions)
		joined := strings.Join(actions, " ")
		for _, want := range []string{"identity.unlocked", "identity.email_change_asked", "identity.factor_reset"} {
			if !strings.Contains(joined, want) {
				t.Errorf("audit lacks %s", want)
			}
		}
		// The development mail page shows the notice to the old address.
		mail := admin.Get("/dev/mail")
		if mail.StatusCode != 200 || !strings.Contains(mail.Body, "Your sign-in address was changed") || !strings.Contains(mail.Body, "A new sign-in address was asked for") {
			t.Errorf("development mail: %d", mail.StatusCode)
		}
	})
}

func TestCoachInvitesButCannotMakeAdministrators(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	form := coach.Get("/people/invite")
	if form.Doc.Find(`#f-role option[value=admin]`).Length() != 0 || form.Doc.Find(`#f-role option[value=coachee]`).Length() != 1 {
		t.Fatal("the coach is offered roles beyond their own rights")
	}
	if res := coach.PostForm("/people/invite", url.Values{"email": {"x@example.org"}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"admin"}}); res.StatusCode != 403 {
		t.Fatalf("coach granting admin: %d", res.StatusCode)
	}
	if res := coach.PostForm("/people/invite", url.Values{"email": {"x@example.org"}, "given_name": {"X"}, "family_name": {"Y"}, "role": {"coachee"}}); res.StatusCode != 303 {
		t.Fatalf("coach inviting a coachee: %d", res.StatusCode)
	}
}

func TestDirectorySearchCSVAndNames(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	ctx := context.Background()
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	org, _ := app.Organisations().BySlug(ctx, demo.Slug)
	for i, name := range [][2]string{{"=cmd|' /C calc'!A0", "X"}, {"P", "100% Smit"}, {"P", "Jansen_Test"}} {
		if _, _, err := app.Identity().Seed(ctx, org, identity.Invitee{Email: "p" + strconv.Itoa(i) + "@harbour.example", GivenName: name[0], FamilyName: name[1], Role: access.RoleCoachee}, demo.Password, ""); err != nil {
			t.Fatal(err)
		}
	}
	// A literal search: % and _ match themselves.
	people := func(query string) int {
		return admin.Get("/people?" + query).Doc.Find(`tbody a[href^="/people/"]`).Length()
	}
	if n := people("q=" + url.QueryEscape("100%")); n != 1 {
		t.Errorf("search for 100%%: %d people", n)
	}
	if n := people("q=" + url.QueryEscape("s_n")); n != 0 {
		t.Errorf("_ matched any character: %d people", n)
	}
	if n := people("q=jans"); n != 2 {
		t.Errorf("search for jans: %d people", n)
	}
	if n := people("role=coach"); n != 1 {
		t.Errorf("role filter: %d people", n)
	}
	csv := admin.Get("/people.csv")
	if csv.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(csv.Body, "'=cmd") || strings.Count(csv.Body, "\n") != 8 {
		t.Errorf("csv: %q", csv.Body)
	}
	// Correcting a name: bad input refused, good input saved.
	kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
	path := "/people/" + strconv.FormatInt(kim.ID, 10) + "/name"
	if res := admin.PostForm(path, url.Values{"given_name": {""}, "family_name": {"Bakker"}}); res.StatusCode != 422 {
		t.Errorf("empty first name: %d", res.StatusCode)
	}
	if res := admin.PostForm(path, url.Values{"given_name": {"Kimberley"}, "family_name": {"Bakker"}}); res.StatusCode != 303 {
		t.Errorf("name: %d", res.StatusCode)
	}
	if after, _ := app.Identity().ByID(ctx, kim.ID); after.GivenName != "Kimberley" {
		t.Errorf("name now %q", after.GivenName)
	}
}
