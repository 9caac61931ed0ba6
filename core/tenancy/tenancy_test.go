package tenancy_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

var locales = []string{"en", "nl"}

func details(name string) tenancy.Details {
	return tenancy.Details{Name: name, Locale: "nl", TimeZone: "Europe/Amsterdam"}
}

func TestTreeMovesAndRefusesCircles(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		orgs := app.Organisations()
		root, err := orgs.CreateSubscriber(ctx, details("Zorg Noord"), locales)
		if err != nil {
			t.Fatal(err)
		}
		north, _ := orgs.CreateDaughter(ctx, root, details("Locatie Groningen"), locales)
		team, _ := orgs.CreateDaughter(ctx, north, details("Team Oost"), locales)
		south, _ := orgs.CreateDaughter(ctx, root, details("Locatie Assen"), locales)
		other, _ := orgs.CreateSubscriber(ctx, details("Elders"), locales)

		tree, err := orgs.Subtree(ctx, root.ID)
		if err != nil || len(tree) != 4 {
			t.Fatalf("subtree %v %v", tree, err)
		}
		lineage, _ := orgs.Lineage(ctx, team.ID)
		if len(lineage) != 3 || lineage[0].ID != team.ID || lineage[2].ID != root.ID {
			t.Fatalf("lineage %+v", lineage)
		}
		var inv *tenancy.Invalid
		for name, tc := range map[string]struct {
			org, parent int64
			circle      bool
		}{
			"under itself":       {north.ID, north.ID, true},
			"under its daughter": {north.ID, team.ID, true},
			"a subscriber":       {root.ID, south.ID, false},
			"to another tree":    {team.ID, other.ID, false},
		} {
			err := orgs.Move(ctx, tc.org, tc.parent)
			if tc.circle && !errors.Is(err, tenancy.ErrCircular) || !tc.circle && !errors.As(err, &inv) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if after, _ := orgs.Lineage(ctx, team.ID); len(after) != 3 {
			t.Error("a refused move changed the tree")
		}
		if err := orgs.Move(ctx, team.ID, south.ID); err != nil {
			t.Fatal(err)
		}
		if after, _ := orgs.Lineage(ctx, team.ID); after[1].ID != south.ID {
			t.Errorf("moved team is under %d", after[1].ID)
		}
		// Suspending the subscriber suspends the whole tree.
		if err := orgs.SetStatus(ctx, root.ID, tenancy.StatusSuspended); err != nil {
			t.Fatal(err)
		}
		if got, _ := orgs.ByID(ctx, team.ID); got.Active() {
			t.Error("a daughter stayed active under a suspended subscriber")
		}
		if _, err := orgs.CreateSubscriber(ctx, tenancy.Details{Name: "", Locale: "xx", TimeZone: "Nowhere/Else"}, locales); !errors.As(err, &inv) || len(inv.Fields) != 3 {
			t.Errorf("bad details: %v", err)
		}
	})
}

func TestSubscriptionModulesAndTerms(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		orgs := app.Organisations()
		known := []string{"agenda", "chat", "forums"}
		root, _ := orgs.CreateSubscriber(ctx, details("Zorg Noord"), locales)
		if err := orgs.SetSubscription(ctx, root.ID, tenancy.Plan{Modules: []string{"agenda", "chat"}, MaxPeople: 10}, known); err != nil {
			t.Fatal(err)
		}
		daughter, _ := orgs.CreateDaughter(ctx, root, details("Locatie"), locales)
		if on, _ := orgs.Modules(ctx, daughter.ID); !slices.Equal(on, []string{"agenda", "chat"}) {
			t.Fatalf("daughter starts with %v", on)
		}
		// Off at the subscriber is off below; on at the daughter needs the parent.
		if err := orgs.SetModule(ctx, root.ID, "chat", false); err != nil {
			t.Fatal(err)
		}
		if on, _ := orgs.Modules(ctx, daughter.ID); !slices.Equal(on, []string{"agenda"}) {
			t.Fatalf("after switching chat off above: %v", on)
		}
		if err := orgs.SetModule(ctx, daughter.ID, "chat", true); err == nil {
			t.Error("a daughter switched on what its parent has off")
		}
		if err := orgs.SetModule(ctx, root.ID, "forums", true); err == nil {
			t.Error("a module outside the subscription was switched on")
		}
		if err := orgs.SetSubscription(ctx, root.ID, tenancy.Plan{Modules: []string{"teleportation"}, MaxPeople: 10}, known); err == nil {
			t.Error("an unknown module was accepted")
		}
		if err := orgs.SetSubscription(ctx, daughter.ID, tenancy.Plan{Modules: []string{"agenda"}, MaxPeople: 10}, known); err == nil {
			t.Error("a daughter got a subscription of its own")
		}
		// Words: the daughter inherits and may override; empty goes back.
		if err := orgs.SetTerms(ctx, root.ID, "en", map[string]tenancy.Words{"coachee": {One: "client", Other: "clients"}}, []string{"coachee", "coach"}); err != nil {
			t.Fatal(err)
		}
		if w, _ := orgs.Terms(ctx, daughter.ID, "en"); w["coachee"].Other != "clients" {
			t.Errorf("inherited words: %v", w)
		}
		_ = orgs.SetTerms(ctx, daughter.ID, "en", map[string]tenancy.Words{"coachee": {One: "participant", Other: "participants"}}, []string{"coachee"})
		if w, _ := orgs.Terms(ctx, daughter.ID, "en"); w["coachee"].One != "participant" {
			t.Errorf("own words: %v", w)
		}
		if w, _ := orgs.Terms(ctx, daughter.ID, "nl"); len(w) != 0 {
			t.Errorf("words leaked into another language: %v", w)
		}
		for name, bad := range map[string]map[string]tenancy.Words{
			"half":    {"coachee": {One: "client"}},
			"markup":  {"coachee": {One: "<b>x</b>", Other: "y"}},
			"unknown": {"wizard": {One: "a", Other: "b"}},
		} {
			if err := orgs.SetTerms(ctx, daughter.ID, "en", bad, []string{"coachee"}); err == nil {
				t.Errorf("%s words accepted", name)
			}
		}
		if w, _ := orgs.Terms(ctx, daughter.ID, "en"); w["coachee"].One != "participant" {
			t.Error("refused words changed the saved ones")
		}
	})
}

func TestLastAdministratorAndPlanLimit(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		orgs := app.Organisations()
		org, _ := orgs.BySlug(ctx, demo.Slug)
		admin, _ := app.Identity().ByEmail(ctx, "admin@harbour.example")
		if err := orgs.SetRoles(ctx, org.ID, admin.ID, []access.Role{access.RoleCoach}); !errors.Is(err, tenancy.ErrLastAdmin) {
			t.Fatalf("removing the last admin role: %v", err)
		}
		if err := orgs.SetActive(ctx, org.ID, admin.ID, false); !errors.Is(err, tenancy.ErrLastAdmin) {
			t.Fatalf("deactivating the last admin: %v", err)
		}
		if err := orgs.SetWebAccess(ctx, org.ID, admin.ID, false); !errors.Is(err, tenancy.ErrLastAdmin) {
			t.Fatalf("closing the last admin's web access: %v", err)
		}
		if roles, _ := orgs.RolesOf(ctx, org.ID, admin.ID); !slices.Contains(roles, access.RoleAdmin) {
			t.Fatal("a refused change took the admin role away")
		}
		// The demo subscription allows 50 people; make it 3 (three are in).
		if err := orgs.SetSubscription(ctx, org.ID, tenancy.Plan{Modules: app.Modules().IDs(), MaxPeople: 3}, app.Modules().IDs()); err != nil {
			t.Fatal(err)
		}
		_, err := app.Identity().Invite(ctx, admin, org, identity.Invitee{Email: "four@example.org", GivenName: "F", FamilyName: "Our", Role: access.RoleCoachee}, "ip")
		if !errors.Is(err, tenancy.ErrPlanLimit) {
			t.Fatalf("beyond the plan: %v", err)
		}
		if _, err := app.Identity().ByEmail(ctx, "four@example.org"); !errors.Is(err, identity.ErrNotFound) {
			t.Error("a refused invitation left an account behind")
		}
	})
}
