package access

import (
	"slices"
	"testing"
)

func TestSetHasAndCovers(t *testing.T) {
	t.Parallel()
	s := Set{}.Add(PeopleView, DossiersView)
	for _, tc := range []struct {
		name string
		p    Permission
		want bool
	}{
		{"held", PeopleView, true},
		{"not held", PeopleManage, false},
		{"the empty permission is always held", "", true},
		{"a name that is not registered", "nothing.at_all", false},
	} {
		if got := s.Has(tc.p); got != tc.want {
			t.Errorf("Has %s (%q) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		ps   []Permission
		want bool
	}{
		{"nothing asked", nil, true},
		{"every one held", []Permission{DossiersView, PeopleView}, true},
		{"one of them lacking", []Permission{PeopleView, PeopleManage}, false},
		{"only one, lacking", []Permission{RolesManage}, false},
		// Has holds "" but Covers does not: a role that lists an empty
		// permission is not granted by accident.
		{"the empty permission", []Permission{""}, false},
	} {
		if got := s.Covers(tc.ps); got != tc.want {
			t.Errorf("Covers %s %v = %v, want %v", tc.name, tc.ps, got, tc.want)
		}
	}
	if once := (Set{}).Add(AuditView, AuditView).Add(AuditView); len(once) != 1 || len((Set{}).Add()) != 0 {
		t.Error("Add does not add each permission once")
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	for _, p := range []Permission{OrganisationView, PeopleManage, RolesManage, DossiersManage, TeamsManage} {
		if !r.Known(p) {
			t.Errorf("the core's %s is not registered", p)
		}
	}
	// The operator's right is a flag on the account, never a role's.
	if r.Known(PlatformOperate) || slices.Contains(r.BuiltInPermissions(RoleAdmin), PlatformOperate) {
		t.Error("platform.operate is a registered permission")
	}
	if perms := r.Permissions(); !slices.IsSorted(perms) {
		t.Errorf("Permissions are not sorted: %v", perms)
	}

	const plugin Permission = "agenda.book"
	other := NewRegistry()
	if r.Known(plugin) || slices.Contains(r.BuiltInPermissions(RoleAdmin), plugin) {
		t.Fatal("a plugin's permission is known before it is registered")
	}
	r.Register(plugin)
	r.AddToRole(RoleCoachee, plugin)
	r.AddToRole(RoleCoachee, plugin, DossiersView) // again, and one it already grants
	if !r.Known(plugin) {
		t.Error("a registered permission is not known")
	}
	if !slices.Contains(r.BuiltInPermissions(RoleAdmin), plugin) {
		t.Error("the administrator does not hold a newly registered permission")
	}
	if got := r.BuiltInPermissions(RoleCoachee); !slices.Equal(got, []Permission{DossiersView, plugin}) {
		t.Errorf("coachee after AddToRole twice: %v", got)
	}
	if other.Known(plugin) || slices.Contains(other.BuiltInPermissions(RoleAdmin), plugin) || slices.Contains(other.BuiltInPermissions(RoleCoachee), plugin) {
		t.Error("two registries share a plugin's permission")
	}

	// What a role grants is a copy: changing it changes no role.
	got := r.BuiltInPermissions(RoleCoach)
	got[0] = RolesManage
	if slices.Contains(r.BuiltInPermissions(RoleCoach), RolesManage) {
		t.Error("changing BuiltInPermissions' answer changed the coach role")
	}

	admin := Set{}.Add(r.BuiltInPermissions(RoleAdmin)...)
	for _, role := range BuiltIn() {
		if !admin.Covers(r.BuiltInPermissions(role)) {
			t.Errorf("the administrator does not hold everything %s grants", role)
		}
	}
	if !slices.Equal(r.BuiltInPermissions(RoleAdmin), r.Permissions()) {
		t.Error("the administrator holds something other than every registered permission")
	}
	for _, role := range []Role{RoleFinance, "custom:1", "nobody"} {
		if got := r.BuiltInPermissions(role); len(got) != 0 {
			t.Errorf("%s grants %v", role, got)
		}
	}
}

func TestRoleNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		role            Role
		builtIn, custom bool
	}{
		{RoleAdmin, true, false},
		{RoleCoach, true, false},
		{RoleSupport, true, false},
		{"custom:12", false, true},
		{"custom:", false, true},
		{"Admin", false, false},
		{"", false, false},
		{"admin:custom:1", false, false},
	} {
		if got := IsBuiltIn(tc.role); got != tc.builtIn {
			t.Errorf("IsBuiltIn(%q) = %v", tc.role, got)
		}
		if got := IsCustom(tc.role); got != tc.custom {
			t.Errorf("IsCustom(%q) = %v", tc.role, got)
		}
	}
}

func TestCustomRoleKeyAndList(t *testing.T) {
	t.Parallel()
	if got := (CustomRole{ID: 12}).Key(); got != "custom:12" || !IsCustom(got) {
		t.Errorf("Key = %q", got)
	}
	for _, tc := range []struct {
		stored string
		want   []Permission
	}{
		{"", nil},
		{"people.view", []Permission{PeopleView}},
		{"people.view,dossiers.view", []Permission{PeopleView, DossiersView}},
		{",people.view,,dossiers.view,", []Permission{PeopleView, DossiersView}},
	} {
		if got := (CustomRole{Permissions: tc.stored}).List(); !slices.Equal(got, tc.want) {
			t.Errorf("List of %q = %v, want %v", tc.stored, got, tc.want)
		}
	}
}
