// Package access owns permissions and roles: named, fine-grained permissions
// in an open registry (plugins add theirs), built-in roles that are sets of
// them, and organisations' custom roles. One authorization layer in the web
// server checks a route's permission against the roles a person holds in the
// active organisation; no handler checks permissions its own way.
package access

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// Permission is a named right, such as "people.manage".
type Permission string

// The core's permissions.
const (
	OrganisationView   Permission = "organisation.view"
	OrganisationManage Permission = "organisation.manage" // details, modules, words, look
	DaughtersAccess    Permission = "daughters.access"    // work in the daughter organisations too
	DaughtersManage    Permission = "daughters.manage"
	PeopleView         Permission = "people.view"
	PeopleInvite       Permission = "people.invite"
	PeopleManage       Permission = "people.manage" // edit, deactivate, unlock, reset factors, addresses
	RolesAssign        Permission = "roles.assign"
	RolesManage        Permission = "roles.manage" // custom roles
	AuditView          Permission = "audit.view"
	AnnouncementsPost  Permission = "announcements.post"
	// Dossiers: the area itself, every dossier of the organisation (read),
	// registering a person, and everything about any dossier (share, erase).
	DossiersView      Permission = "dossiers.view"
	DossiersViewAll   Permission = "dossiers.view_all"
	DossiersRegister  Permission = "dossiers.register"
	DossiersManage    Permission = "dossiers.manage"
	TrajectoriesStart Permission = "trajectories.start"
	ProductsManage    Permission = "products.manage"
	TasksHandle       Permission = "tasks.handle"
	TeamsManage       Permission = "teams.manage"
	// PlatformOperate is the platform operator's: a flag on the account, never
	// a role in an organisation.
	PlatformOperate Permission = "platform.operate"
)

// Role is a built-in role's name or a custom role's key ("custom:12").
type Role string

// Built-in roles.
const (
	RoleAdmin           Role = "admin"
	RoleCoach           Role = "coach"
	RoleCoachee         Role = "coachee"
	RoleEmployerContact Role = "employer_contact"
	RoleFinance         Role = "finance"
	RoleSupport         Role = "support"
)

// Registry is one installation's permissions and what its built-in roles
// grant: the core's, and those its plugins declare as they start. Each App
// has its own, so two Apps in one process (as the tests run them) never see
// each other's plugins' rights.
type Registry struct {
	mu      sync.RWMutex
	known   map[Permission]bool
	builtIn map[Role][]Permission
}

// NewRegistry returns a registry with the core's permissions and the
// built-in roles' grants.
func NewRegistry() *Registry {
	r := &Registry{known: map[Permission]bool{}, builtIn: map[Role][]Permission{
		RoleCoach:           {PeopleView, PeopleInvite, DossiersView, DossiersRegister, TrajectoriesStart, TeamsManage},
		RoleCoachee:         {DossiersView},
		RoleEmployerContact: {PeopleView, PeopleInvite, DossiersView, DossiersViewAll, DossiersRegister, TrajectoriesStart, TasksHandle},
		RoleSupport:         {PeopleView},
	}}
	r.Register(OrganisationView, OrganisationManage, DaughtersAccess, DaughtersManage, PeopleView, PeopleInvite, PeopleManage,
		RolesAssign, RolesManage, AuditView, AnnouncementsPost,
		DossiersView, DossiersViewAll, DossiersRegister, DossiersManage, TrajectoriesStart, ProductsManage, TasksHandle, TeamsManage)
	return r
}

// Register adds permissions to the registry; the administrator role holds
// every registered permission, so a module's rights reach administrators at once.
func (r *Registry) Register(ps ...Permission) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range ps {
		r.known[p] = true
	}
}

// AddToRole lets a built-in role hold more permissions (a module's defaults).
func (r *Registry) AddToRole(role Role, ps ...Permission) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range ps {
		if !slices.Contains(r.builtIn[role], p) {
			r.builtIn[role] = append(r.builtIn[role], p)
		}
	}
}

// Permissions lists every registered permission, sorted.
func (r *Registry) Permissions() []Permission {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Permission, 0, len(r.known))
	for p := range r.known {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Known tells whether p is registered.
func (r *Registry) Known(p Permission) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.known[p]
}

// BuiltInPermissions lists what a built-in role grants.
func (r *Registry) BuiltInPermissions(role Role) []Permission {
	if role == RoleAdmin {
		return r.Permissions()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]Permission(nil), r.builtIn[role]...)
}

// BuiltIn lists the built-in roles in the order they are offered.
func BuiltIn() []Role {
	return []Role{RoleAdmin, RoleCoach, RoleCoachee, RoleEmployerContact, RoleFinance, RoleSupport}
}

// IsBuiltIn tells whether r is a built-in role.
func IsBuiltIn(r Role) bool { return slices.Contains(BuiltIn(), r) }

// IsCustom tells whether r names a custom role.
func IsCustom(r Role) bool { return strings.HasPrefix(string(r), "custom:") }

// Set is the permissions one person holds in one organisation.
type Set map[Permission]bool

// Add adds permissions to the set.
func (s Set) Add(ps ...Permission) Set {
	for _, p := range ps {
		s[p] = true
	}
	return s
}

// Has tells whether the set holds p ("" is always held).
func (s Set) Has(p Permission) bool { return p == "" || s[p] }

// Covers tells whether the set holds every one of ps: someone may grant a
// role or build a role only within their own rights.
func (s Set) Covers(ps []Permission) bool {
	for _, p := range ps {
		if !s[p] {
			return false
		}
	}
	return true
}
