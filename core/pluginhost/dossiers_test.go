package pluginhost_test

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
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestDossierCardsAndReadState: the example plugin's card on a dossier's
// page, a note added from it is new (a red dot) to everyone but its author
// and counts on the coach's start page; the host asks the person's level,
// not the form; a hostile plugin cannot add items to dossiers the person
// cannot contribute to, nor under kinds of a foreign shape; and a dossier
// shared with another organisation shows the card, asked in the dossier's
// organisation.
func TestDossierCardsAndReadState(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: withExample(t, true, "core/pluginhost/testdata/hostile")})
		ctx := context.Background()
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)
		all := dossier.Who{OrgID: org.ID, Can: access.Set{}.Add(access.DossiersViewAll)}
		list, _ := app.Dossiers().List(ctx, all, dossier.Query{Text: "Bakker"})
		kim := list.Rows[0].ID
		page := "/dossiers/" + strconv.FormatInt(kim, 10)
		add := "/m/example/dossiers/" + strconv.FormatInt(kim, 10) + "/notes"

		kimClient := app.Client(t)
		kimClient.SignIn("coachee@harbour.example")
		if got := kimClient.Get(page).Text("#example-dossier"); !strings.Contains(got, "Example notes") {
			t.Fatalf("the example's card is missing: %q", got)
		}
		// Kim (the subject) contributes a note.
		if res := kimClient.PostForm(add, url.Values{"text": {"I slept better this week."}}); res.StatusCode != 303 || res.Header.Get("Location") != page {
			t.Fatalf("adding a note: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if kimClient.Get(page).Doc.Find("#example-dossier .dot-read").Length() != 1 {
			t.Error("the author sees their own note as new")
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		card := coach.Get(page)
		if !strings.Contains(card.Text("#example-dossier"), "I slept better") || card.Doc.Find("#example-dossier .dot-new").Length() != 1 {
			t.Errorf("the coach's card: %q", card.Text("#example-dossier"))
		}
		// Plus the trajectory the employer started: two new things for the coach.
		if got := coach.Get("/").Text("#my-dossiers"); !strings.Contains(got, "2 new") {
			t.Errorf("the coach's start page: %q", got)
		}
		// The employer contact may view, not contribute: 403, and no form.
		hr := app.Client(t)
		hr.SignIn("hr@harbour.example")
		if hr.Get(page).Doc.Find("#example-dossier form").Length() != 0 {
			t.Error("a viewer is offered the form")
		}
		if res := hr.PostForm(add, url.Values{"text": {"Sneaky"}}); res.StatusCode != 403 {
			t.Errorf("a viewer adds a note: %d", res.StatusCode)
		}
		// A coach who may not open the dossier: 404, and nothing kept.
		if _, _, err := app.Identity().Seed(ctx, org, identity.Invitee{Email: "other.coach@harbour.example", GivenName: "O", FamilyName: "C", Role: access.RoleCoach}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		other := app.Client(t)
		other.SignIn("other.coach@harbour.example")
		if res := other.PostForm(add, url.Values{"text": {"Sneaky"}}); res.StatusCode != 404 {
			t.Errorf("an outsider adds a note: %d %q", res.StatusCode, res.Text("main"))
		}
		if strings.Contains(coach.Get(page).Text("#example-dossier"), "Sneaky") {
			t.Error("a refused note was kept")
		}

		// The hostile plugin, as the coach who manages Kim's dossier.
		item := func(c *coretest.Client, dossierID int64, kind string) string {
			return c.PostForm("/m/hostile/item", url.Values{"dossier": {strconv.FormatInt(dossierID, 10)}, "kind": {kind}, "ref": {"1"}}).Body
		}
		if got := item(coach, kim, "note"); got != "ok" {
			t.Errorf("a plugin's own item: %q", got)
		}
		for _, kind := range []string{"example.note", "Note", "", strings.Repeat("x", 41)} {
			if got := item(coach, kim, kind); got != "InvalidArgument" {
				t.Errorf("kind %q: %q, want InvalidArgument", kind, got)
			}
		}
		if got := item(other, kim, "note"); got != "PermissionDenied" {
			t.Errorf("a dossier the person cannot open: %q", got)
		}
		if got := item(coach, 999999, "note"); got != "PermissionDenied" {
			t.Errorf("a dossier that does not exist: %q", got)
		}

		// Shared with a coach of another organisation that has no example
		// module of its own: the card comes from the dossier's organisation.
		kracht, _, err := app.Organisations().Ensure(ctx, tenancy.Organisation{Slug: "kracht", Name: "Kracht", Locale: "en", TimeZone: "Europe/Amsterdam"})
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Organisations().SetSubscription(ctx, kracht.ID, tenancy.Plan{Modules: []string{dossier.Module}, MaxPeople: 10}, []string{dossier.Module}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := app.Identity().Seed(ctx, kracht, identity.Invitee{Email: "leon@kracht.example", GivenName: "Leon", FamilyName: "P", Role: access.RoleCoach}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		if res := coach.PostForm(page+"/sharing", url.Values{"email": {"leon@kracht.example"}, "level": {"view"}}); res.StatusCode != 303 {
			t.Fatalf("share: %d", res.StatusCode)
		}
		leon := app.Client(t)
		leon.SignIn("leon@kracht.example")
		shared := leon.Get(page)
		if got := shared.Text("#example-dossier"); !strings.Contains(got, "I slept better") || shared.Doc.Find("#example-dossier form").Length() != 0 {
			t.Errorf("the shared dossier's card: %q", got)
		}
	})
}
