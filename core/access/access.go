// Package access owns permissions and roles: named, fine-grained permissions,
// and built-in roles that are sets of them. One authorization layer in the web
// server checks a route's permission against the roles a person holds in the
// active organisation; no handler checks permissions its own way.
package access

// Permission is a named right, such as "people.manage".
type Permission string

// The core's permissions. Plugins add theirs later; the registry is open.
const (
	// PeopleInvite lets someone create accounts and send invitations.
	PeopleInvite Permission = "people.invite"
	// PeopleManage lets someone see everyone's sign-in state, unlock accounts,
	// reset second factors and change sign-in addresses.
	PeopleManage Permission = "people.manage"
	// PlatformOperate is the platform operator's right (development mail page).
	PlatformOperate Permission = "platform.operate"
)

// Role is a named set of permissions.
type Role string

// Built-in roles.
const (
	RoleAdmin   Role = "admin"
	RoleCoach   Role = "coach"
	RoleCoachee Role = "coachee"
)

var builtIn = map[Role][]Permission{
	RoleAdmin:   {PeopleInvite, PeopleManage},
	RoleCoach:   {PeopleInvite},
	RoleCoachee: {},
}

// Roles lists the built-in roles in the order they are offered.
func Roles() []Role { return []Role{RoleAdmin, RoleCoach, RoleCoachee} }

// Known tells whether r is a built-in role.
func Known(r Role) bool {
	_, ok := builtIn[r]
	return ok
}

// Set is the permissions one person holds in one organisation.
type Set map[Permission]bool

// Grant adds every permission of the roles to the set.
func (s Set) Grant(roles ...Role) Set {
	for _, r := range roles {
		for _, p := range builtIn[r] {
			s[p] = true
		}
	}
	return s
}

// Has tells whether the set holds p.
func (s Set) Has(p Permission) bool { return p == "" || s[p] }

// CanGrant tells whether someone holding s may give role r to another: never a
// role with a permission they lack themselves.
func (s Set) CanGrant(r Role) bool {
	if !Known(r) {
		return false
	}
	for _, p := range builtIn[r] {
		if !s[p] {
			return false
		}
	}
	return true
}
