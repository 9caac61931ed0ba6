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
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestRolesChangeWithinTheGiversRights: someone may add or take away only
// the roles they could give; a role beyond their rights stays as it was
// (refused, nothing written), roles of no one's tree are ignored, and the
// organisation keeps an administrator.
func TestRolesChangeWithinTheGiversRights(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		orgs := app.Organisations()
		harbour, _ := orgs.BySlug(ctx, demo.Slug)
		lineage := []int64{harbour.ID}
		admin, _ := app.Identity().ByEmail(ctx, "admin@harbour.example")
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		everything := access.Set{}.Add(app.Access().Permissions()...)
		// A people desk: gives roles, but holds only what a coachee holds.
		desk := access.Set{}.Add(app.Access().BuiltInPermissions(access.RoleCoachee)...).Add(access.RolesAssign)
		rolesOf := func(userID int64) []access.Role {
			roles, err := orgs.RolesAmong(ctx, harbour.ID, []int64{userID})
			if err != nil {
				t.Fatal(err)
			}
			return roles[userID]
		}
		for _, tc := range []struct {
			name  string
			by    access.Set
			who   int64
			roles []access.Role
			want  error
			after []access.Role
		}{
			{"beyond the giver's rights: adding", desk, coach.ID, []access.Role{access.RoleCoach, access.RoleAdmin}, access.ErrBeyondOwnRights, []access.Role{access.RoleCoach}},
			{"beyond the giver's rights: taking away", desk, coach.ID, nil, access.ErrBeyondOwnRights, []access.Role{access.RoleCoach}},
			{"within them", desk, coach.ID, []access.Role{access.RoleCoach, access.RoleCoachee}, nil, []access.Role{access.RoleCoach, access.RoleCoachee}},
			{"a role of no tree is ignored", everything, coach.ID, []access.Role{access.RoleCoach, "custom:999999"}, nil, []access.Role{access.RoleCoach}},
			{"the last administrator", everything, admin.ID, []access.Role{access.RoleCoach}, tenancy.ErrLastAdmin, []access.Role{access.RoleAdmin}},
		} {
			err := orgs.ChangeRoles(ctx, tc.by, lineage, tc.who, tc.roles)
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
			got := rolesOf(tc.who)
			slices.Sort(got)
			slices.Sort(tc.after)
			if !slices.Equal(got, tc.after) {
				t.Errorf("%s: roles %v, want %v", tc.name, got, tc.after)
			}
		}
		if err := orgs.ChangeRoles(ctx, everything, nil, coach.ID, nil); !errors.Is(err, tenancy.ErrNotFound) {
			t.Errorf("no organisation: %v", err)
		}
	})
}
