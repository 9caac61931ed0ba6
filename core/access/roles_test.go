package access_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestCustomRoles: a custom role is refused for a bad name, a permission
// nobody may put in a role or one its builder lacks, and then nothing is
// written; a saved role grants what it lists in its organisation and its
// daughters, never elsewhere; whether someone may give a role depends on
// what they hold.
func TestCustomRoles(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		acc := app.Access()
		harbour, err := app.Organisations().BySlug(ctx, demo.Slug)
		if err != nil {
			t.Fatal(err)
		}
		daughter, err := app.Organisations().CreateDaughter(ctx, harbour, tenancy.Details{Name: "Harbour North", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en"})
		if err != nil {
			t.Fatal(err)
		}
		north := app.Organisation(t, "north", "North Care")
		admin := access.Set{}.Add(acc.BuiltInPermissions(access.RoleAdmin)...)
		coach := access.Set{}.Add(acc.BuiltInPermissions(access.RoleCoach)...)
		roles := func() int {
			n, err := app.DB().NewSelect().Table("roles").Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}

		before := roles()
		for _, tc := range []struct {
			name  string
			by    access.Set
			role  string
			perms []access.Permission
			field string // the refused field, or "" for ErrBeyondOwnRights
		}{
			{"empty name", admin, "", []access.Permission{access.PeopleView}, "name"},
			{"blank name", admin, "   ", []access.Permission{access.PeopleView}, "name"},
			{"name too long", admin, strings.Repeat("é", 61), []access.Permission{access.PeopleView}, "name"},
			{"unknown permission", admin, "Reader", []access.Permission{"people.read"}, "permissions"},
			{"the operator's right", admin, "Operator", []access.Permission{access.PlatformOperate}, "permissions"},
			{"beyond the builder's rights", coach, "Manager", []access.Permission{access.PeopleView, access.PeopleManage}, ""},
		} {
			_, err := acc.SaveCustomRole(ctx, tc.by, harbour.ID, 0, tc.role, tc.perms)
			var inv *access.Invalid
			switch {
			case tc.field == "" && !errors.Is(err, access.ErrBeyondOwnRights):
				t.Errorf("%s: %v, want ErrBeyondOwnRights", tc.name, err)
			case tc.field != "" && (!errors.As(err, &inv) || inv.Fields[tc.field] == "" || len(inv.Fields) != 1):
				t.Errorf("%s: %v, want %s refused", tc.name, err, tc.field)
			}
		}
		if after := roles(); after != before {
			t.Fatalf("refused roles wrote %d rows", after-before)
		}

		// A name of 60 letters, trimmed, within the builder's own rights.
		name := strings.Repeat("é", 60)
		reader, err := acc.SaveCustomRole(ctx, coach, harbour.ID, 0, "  "+name+" ", []access.Permission{access.PeopleView, access.DossiersView})
		if err != nil {
			t.Fatal(err)
		}
		if reader.Name != name || reader.ID == 0 || !slices.Equal(reader.List(), []access.Permission{access.PeopleView, access.DossiersView}) {
			t.Errorf("saved %+v", reader)
		}
		auditor, err := acc.SaveCustomRole(ctx, admin, harbour.ID, 0, "Auditor", []access.Permission{access.AuditView})
		if err != nil {
			t.Fatal(err)
		}
		elsewhere, err := acc.SaveCustomRole(ctx, admin, north.ID, 0, "North reader", []access.Permission{access.PeopleView})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := acc.SaveCustomRole(ctx, admin, harbour.ID, elsewhere.ID, "Taken over", []access.Permission{access.PeopleView}); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("changing another organisation's role: %v", err)
		}
		if _, err := acc.SaveCustomRole(ctx, coach, harbour.ID, reader.ID, "Reader", []access.Permission{access.AuditView}); !errors.Is(err, access.ErrBeyondOwnRights) {
			t.Errorf("a coach changing a role beyond their rights: %v", err)
		}
		if got, _ := acc.RolePermissions(ctx, reader.Key(), []int64{harbour.ID}); !slices.Equal(got, []access.Permission{access.DossiersView, access.PeopleView}) {
			t.Errorf("a refused change changed the role: %v", got)
		}

		// Usable in the organisation and its daughters, nowhere else.
		lineage, err := app.Organisations().LineageIDs(ctx, daughter.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			lineage []int64
			roles   []access.Role
			want    []access.Permission
		}{
			{"its organisation", []int64{harbour.ID}, []access.Role{reader.Key()}, []access.Permission{access.DossiersView, access.PeopleView}},
			{"a daughter", lineage, []access.Role{reader.Key(), auditor.Key()}, []access.Permission{access.AuditView, access.DossiersView, access.PeopleView}},
			{"with a built-in role", []int64{harbour.ID}, []access.Role{auditor.Key(), access.RoleCoachee}, []access.Permission{access.AuditView, access.DossiersView}},
			{"another subscriber", []int64{north.ID}, []access.Role{reader.Key()}, nil},
			{"another subscriber's role", []int64{harbour.ID}, []access.Role{elsewhere.Key()}, nil},
			{"a role that does not exist", []int64{harbour.ID}, []access.Role{"custom:999999"}, nil},
		} {
			set, err := acc.PermissionsOf(ctx, tc.roles, tc.lineage)
			if err != nil {
				t.Fatal(err)
			}
			var got []access.Permission
			for p := range set {
				got = append(got, p)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		if list, _ := acc.CustomRoles(ctx, []int64{north.ID}); len(list) != 1 || list[0].ID != elsewhere.ID {
			t.Errorf("North's roles: %+v", list)
		}

		// Who may give which role.
		offers, err := acc.Offers(ctx, coach, lineage)
		if err != nil {
			t.Fatal(err)
		}
		grantable := map[access.Role]bool{}
		var order []access.Role
		for _, o := range offers {
			grantable[o.Role] = o.Grantable
			order = append(order, o.Role)
		}
		want := append(access.BuiltIn(), auditor.Key(), reader.Key()) // custom roles by name
		if !slices.Equal(order, want) {
			t.Errorf("offered %v, want %v", order, want)
		}
		for role, ok := range map[access.Role]bool{
			access.RoleAdmin: false, access.RoleCoach: true, access.RoleCoachee: true, access.RoleEmployerContact: false,
			access.RoleFinance: true, access.RoleSupport: true, reader.Key(): true, auditor.Key(): false,
		} {
			if grantable[role] != ok {
				t.Errorf("a coach may give %s: %v, want %v", role, grantable[role], ok)
			}
		}
		for _, tc := range []struct {
			name string
			by   access.Set
			role access.Role
			want error
		}{
			{"a coach gives coach", coach, access.RoleCoach, nil},
			{"a coach gives admin", coach, access.RoleAdmin, access.ErrBeyondOwnRights},
			{"a coach gives the auditor role", coach, auditor.Key(), access.ErrBeyondOwnRights},
			{"an administrator gives admin", admin, access.RoleAdmin, nil},
			{"an administrator gives another subscriber's role", admin, elsewhere.Key(), access.ErrNotFound},
			{"an administrator gives a role nobody made", admin, "custom:999999", access.ErrNotFound},
			{"an administrator gives a name that is no role", admin, "owner", access.ErrNotFound},
		} {
			if err := acc.CheckGrant(ctx, tc.by, tc.role, lineage); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}

		// A role someone holds stays; one nobody holds goes.
		kim, err := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Organisations().SetRoles(ctx, harbour.ID, kim.ID, []access.Role{access.RoleCoachee, auditor.Key()}); err != nil {
			t.Fatal(err)
		}
		if err := acc.DeleteCustomRole(ctx, harbour.ID, auditor.ID); !errors.Is(err, access.ErrInUse) {
			t.Errorf("deleting a role someone holds: %v", err)
		}
		if err := acc.DeleteCustomRole(ctx, harbour.ID, elsewhere.ID); !errors.Is(err, access.ErrNotFound) {
			t.Errorf("deleting another organisation's role: %v", err)
		}
		if err := acc.DeleteCustomRole(ctx, harbour.ID, reader.ID); err != nil {
			t.Errorf("deleting a role nobody holds: %v", err)
		}
		if list, _ := acc.CustomRoles(ctx, []int64{harbour.ID}); len(list) != 1 || list[0].ID != auditor.ID {
			t.Errorf("Harbour's roles after deleting: %+v", list)
		}

		// Even registered (a plugin may name a permission so) and held, the
		// operator's right goes in no role.
		acc.Register(access.PlatformOperate)
		operator := access.Set{}.Add(access.PeopleView, access.PlatformOperate)
		var inv *access.Invalid
		if _, err := acc.SaveCustomRole(ctx, operator, harbour.ID, 0, "Operator", []access.Permission{access.PeopleView, access.PlatformOperate}); !errors.As(err, &inv) || inv.Fields["permissions"] == "" {
			t.Errorf("a role with the operator's right, registered: %v", err)
		}
		if after := roles(); after-before != 2 {
			t.Errorf("%d roles, want Harbour's auditor and North's reader, and no operator role", after-before)
		}
	})
}
