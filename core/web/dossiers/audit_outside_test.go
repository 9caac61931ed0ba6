package dossiers_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestTheAuditLogNamesNoOutsideAccount is the fourth hostile review's
// leak: a dossier shared with an account of another organisation, opened
// by its owner, put the owner's real name in the sharing organisation's
// audit log. People outside the organisation are named there by the
// address it typed.
func TestTheAuditLogNamesNoOutsideAccount(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		otherOrganisation(t, app, "kracht", "leon@kracht.example", access.RoleCoach)
		harbour := mustOrg(t, app, demo.Slug)
		app.Person(t, harbour, "admin2@harbour.example", access.RoleAdmin)
		coach := app.SignedIn(t, "coach@harbour.example")
		base := "/dossiers/" + strconv.FormatInt(findDossier(t, app, "Bakker"), 10)
		if res := coach.PostForm(base+"/sharing", url.Values{"email": {"leon@kracht.example"}, "level": {"view"}}); res.StatusCode != 303 {
			t.Fatalf("share: %d", res.StatusCode)
		}
		leon := app.SignedIn(t, "leon@kracht.example")
		if res := leon.Get(base); res.StatusCode != 200 {
			t.Fatalf("Leon opens the dossier: %d", res.StatusCode)
		}
		admin := app.SignedIn(t, "admin2@harbour.example")
		log := admin.Get("/organisation/audit").Text("table")
		if strings.Contains(log, "Leon") || strings.Contains(log, "Peters") {
			t.Errorf("Harbour's audit log names the outside account: %q", log)
		}
		if !strings.Contains(log, "leon@kracht.example") {
			t.Errorf("Harbour's audit log does not show who opened the dossier by the address it typed: %q", log)
		}
		// Harbour's own people keep their names.
		if coachUser, _ := app.Identity().ByEmail(t.Context(), "coach@harbour.example"); !strings.Contains(log, coachUser.GivenName+" "+coachUser.FamilyName) {
			t.Errorf("Harbour's own coach is not named: %q", log)
		}
	})
}
