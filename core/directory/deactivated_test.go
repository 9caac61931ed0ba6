package directory_test

import (
	"context"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/identity"
)

// deactivated is an organisation with an active member and one whose
// membership is active but whose account is deactivated (it cannot sign
// in anywhere).
func deactivated(t *testing.T, db config.Database) (*directory.Service, int64) {
	t.Helper()
	app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
	north := app.Organisation(t, "north", "North Care")
	seed(t, app, north, "jan@north.example", "Jan", "Aal", access.RoleCoachee, true)
	ivo := seed(t, app, north, "ivo@north.example", "Ivo", "Mol", access.RoleCoachee, true)
	if _, err := app.DB().NewUpdate().Table("users").Set("status = ?", identity.StatusDeactivated).Where("id = ?", ivo.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return directory.NewService(app.DB()), north.ID
}

// TestADeactivatedAccountIsInactive: an account deactivated as a whole is
// listed among the inactive even while its membership is active.
func TestADeactivatedAccountIsInactive(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		dir, org := deactivated(t, db)
		for status, want := range map[string]string{"inactive": "Ivo", "all": "Jan,Ivo"} {
			p, err := dir.List(context.Background(), directory.Query{OrgIDs: []int64{org}, Status: status})
			if err != nil {
				t.Fatal(err)
			}
			if got := names(p); got != want {
				t.Errorf("%s: %s, want %s", status, got, want)
			}
		}
	})
}

// TestADeactivatedAccountIsNotActive: the same account is not also listed
// among the active (the default), or the two lists overlap and the
// active count includes someone who cannot sign in.
func TestADeactivatedAccountIsNotActive(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		dir, org := deactivated(t, db)
		p, err := dir.List(context.Background(), directory.Query{OrgIDs: []int64{org}})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(p); got != "Jan" || p.Total != 1 {
			t.Errorf("the active: %s (%d), want Jan", got, p.Total)
		}
	})
}
