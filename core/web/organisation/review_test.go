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
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestTheLogKeepsEveryChangeWhereItsManagersSeeIt reproduces a hostile
// review of the move of audits into the services: a change of words went
// unlogged, and a daughter added under another daughter was logged in that
// daughter, where its own administrator saw who manages the tree. Each
// change is in the log of the organisation whose administrator made it,
// and only there.
func TestTheLogKeepsEveryChangeWhereItsManagersSeeIt(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "boss@north.example", access.RoleAdmin)
		d1, err := app.Organisations().CreateDaughter(ctx, north, tenancy.Details{Name: "Daughter One", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err != nil {
			t.Fatal(err)
		}
		app.Person(t, d1, "local@d1.example", access.RoleAdmin)
		boss := app.Client(t)
		boss.SignIn("boss@north.example")
		local := app.Client(t)
		local.SignIn("local@d1.example")

		words := url.Values{"locale": {"en"}, "coachee.one": {"client"}, "coachee.other": {"clients"}}
		if res := boss.PostForm("/organisation/words", words); res.StatusCode != 303 {
			t.Fatalf("words: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		if res := boss.PostForm("/organisation/daughters", url.Values{"name": {"Daughter Two"}, "parent": {strconv.FormatInt(d1.ID, 10)}}); res.StatusCode != 303 {
			t.Fatalf("daughter: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		log := boss.Get("/organisation/audit").Text("main")
		for _, want := range []string{"Words changed", "Daughter organisation added"} {
			if !strings.Contains(log, want) {
				t.Errorf("the administrator's log lacks %q", want)
			}
		}
		if log := local.Get("/organisation/audit").Text("main"); strings.Contains(log, "Daughter Two") || strings.Contains(log, "boss@north.example") {
			t.Errorf("the daughter's log shows the tree's manager at work: %q", log)
		}
	})
}

// TestAnotherOrganisationsRoleIsNotFoundEvenInUse reproduces a hostile
// review's oracle: deleting another organisation's custom role said
// whether someone held it ("still held") instead of not finding it.
func TestAnotherOrganisationsRoleIsNotFoundEvenInUse(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		south := app.Organisation(t, "south", "South Care")
		app.Person(t, north, "boss@north.example", access.RoleAdmin)
		app.Person(t, south, "boss@south.example", access.RoleAdmin)
		everything := access.Set{}.Add(app.Access().Permissions()...)
		role, err := app.Access().SaveCustomRole(ctx, everything, north.ID, 0, "Planner", []access.Permission{access.PeopleView})
		if err != nil {
			t.Fatal(err)
		}
		holder := app.Person(t, north, "planner@north.example", access.RoleCoachee)
		if err := app.Organisations().SetRoles(ctx, north.ID, holder.ID, []access.Role{role.Key()}); err != nil {
			t.Fatal(err)
		}
		stranger := app.Client(t)
		stranger.SignIn("boss@south.example")
		for _, id := range []int64{role.ID, 999999} {
			if res := stranger.PostForm("/organisation/roles/"+strconv.FormatInt(id, 10)+"/delete", url.Values{}); res.StatusCode != 404 {
				t.Errorf("role %d of no one's or another organisation: %d", id, res.StatusCode)
			}
		}
		if roles, _ := app.Access().CustomRoles(ctx, []int64{north.ID}); len(roles) != 1 {
			t.Errorf("the role was touched: %v", roles)
		}
	})
}
