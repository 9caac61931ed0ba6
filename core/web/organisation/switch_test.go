package organisation_test

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
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestSwitchingOrganisations: a person in two organisations works in one at a
// time; an administrator with daughters.access works in a daughter through
// their own membership above it; nobody switches to an organisation of theirs
// they may not reach.
func TestSwitchingOrganisations(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		orgs := app.Organisations()
		harbour, _ := orgs.BySlug(ctx, demo.Slug)
		daughter, err := orgs.CreateDaughter(ctx, harbour, tenancy.Details{Name: "Harbour Delft", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err != nil {
			t.Fatal(err)
		}
		north, _ := orgs.CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "nl", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		// The coach also coaches at North Care.
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		if _, _, err := app.Identity().Seed(ctx, north, identity.Invitee{Email: coach.Email, Role: access.RoleCoach}, demo.Password, ""); err != nil {
			t.Fatal(err)
		}
		c := app.Client(t)
		c.SignIn("coach@harbour.example")
		list := c.Get("/switch")
		if !strings.Contains(list.Body, "North Care") || strings.Contains(list.Body, "Harbour Delft") {
			t.Fatalf("the coach may switch to: %s", list.Text("main"))
		}
		if res := c.PostForm("/switch/"+strconv.FormatInt(north.ID, 10), url.Values{}); res.StatusCode != 303 {
			t.Fatalf("switch: %d", res.StatusCode)
		}
		if got := c.Get("/").Text(".brand-name"); got != "North Care" {
			t.Errorf("after switching the pages show %q", got)
		}
		if res := c.PostForm("/switch/"+strconv.FormatInt(daughter.ID, 10), url.Values{}); res.StatusCode != 404 {
			t.Errorf("switching to a daughter without daughters.access: %d", res.StatusCode)
		}
		// The administrator reaches the daughter through daughters.access.
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		if !strings.Contains(admin.Get("/switch").Body, "Harbour Delft") {
			t.Fatal("the administrator cannot reach the daughter")
		}
		admin.PostForm("/switch/"+strconv.FormatInt(daughter.ID, 10), url.Values{})
		page := admin.Get("/organisation")
		if v, _ := page.Doc.Find("#f-name").Attr("value"); v != "Harbour Delft" {
			t.Errorf("working in the daughter, the organisation page shows %q", v)
		}
		if res := admin.PostForm("/switch/"+strconv.FormatInt(north.ID, 10), url.Values{}); res.StatusCode != 404 {
			t.Errorf("switching to another subscriber: %d", res.StatusCode)
		}
	})
}

// TestSwitchingIsOfferedOnlyWithSomewhereElse: the link to switch
// organisation shows only to people who may work in another one: another
// membership, or daughters they may enter.
func TestSwitchingIsOfferedOnlyWithSomewhereElse(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		coach, admin := app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		admin.SignIn("admin@harbour.example")
		for who, c := range map[string]*coretest.Client{"coach": coach, "administrator": admin} {
			if n := c.Get("/").Doc.Find("#org-switch").Length(); n != 0 {
				t.Errorf("the %s, in one organisation only, is offered to switch", who)
			}
		}
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		if _, err := app.Organisations().CreateDaughter(ctx, harbour, tenancy.Details{Name: "Harbour Delft", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"}); err != nil {
			t.Fatal(err)
		}
		if n := admin.Get("/").Doc.Find("#org-switch").Length(); n != 1 {
			t.Error("the administrator, with a daughter to enter, is not offered to switch")
		}
		if n := coach.Get("/").Doc.Find("#org-switch").Length(); n != 0 {
			t.Error("the coach, who may not enter the daughter, is offered to switch")
		}
	})
}

// TestDaughtersListsOnlyDaughters: the daughters tab lists the daughters,
// not the organisation itself, and says so when there are none.
func TestDaughtersListsOnlyDaughters(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	page := admin.Get("/organisation/daughters")
	if page.Doc.Find("#no-daughters").Length() != 1 || strings.Contains(page.Text("main table"), "Harbour Coaching") {
		t.Errorf("without daughters: %q", page.Text("main table"))
	}
	harbour, _ := app.Organisations().BySlug(context.Background(), demo.Slug)
	if _, err := app.Organisations().CreateDaughter(context.Background(), harbour, tenancy.Details{Name: "Harbour Delft", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"}); err != nil {
		t.Fatal(err)
	}
	page = admin.Get("/organisation/daughters")
	rows := page.Doc.Find("main table tbody tr")
	if rows.Length() != 1 || !strings.Contains(rows.Text(), "Harbour Delft") {
		t.Errorf("with one daughter: %q", page.Text("main table"))
	}
}
