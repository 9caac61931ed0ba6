package access

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
)

// CustomRole is a role an organisation made itself; its daughters inherit it.
type CustomRole struct {
	bun.BaseModel `bun:"table:roles"`

	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	Name           string    `bun:"name,notnull"`
	Permissions    string    `bun:"permissions,notnull"` // comma-separated
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Key is how memberships name the role.
func (r CustomRole) Key() Role { return Role("custom:" + strconv.FormatInt(r.ID, 10)) }

// List is the role's permissions.
func (r CustomRole) List() []Permission {
	var out []Permission
	for _, p := range strings.Split(r.Permissions, ",") {
		if p != "" {
			out = append(out, Permission(p))
		}
	}
	return out
}

// Service resolves roles to permissions and keeps custom roles.
type Service struct {
	db *store.DB
	*Registry
}

// NewService returns the access service, with a registry of its own.
func NewService(db *store.DB) *Service { return &Service{db: db, Registry: NewRegistry()} }

// Invalid names refused fields with message ids.
type Invalid = refusal.Fields

// ErrBeyondOwnRights refuses granting or building beyond one's own permissions.
var ErrBeyondOwnRights = refusal.New(refusal.Forbidden, "access: beyond the actor's own rights", "access.error.beyond_own_rights")

// ErrInUse refuses deleting a role someone holds or is offered.
var ErrInUse = refusal.New(refusal.Conflict, "access: the role is held or offered", "access.error.role_in_use")

// CustomRoles lists the custom roles usable in an organisation: its own and
// its ancestors' (lineage, nearest first).
func (s *Service) CustomRoles(ctx context.Context, lineage []int64) ([]CustomRole, error) {
	var roles []CustomRole
	if len(lineage) == 0 {
		return roles, nil
	}
	err := s.db.NewSelect().Model(&roles).Where("organisation_id IN (?)", bun.List(lineage)).Order("name").Scan(ctx)
	return roles, err
}

// PermissionsOf resolves roles to the permissions they grant; custom roles are
// looked up among those usable in the organisation (lineage).
func (s *Service) PermissionsOf(ctx context.Context, roles []Role, lineage []int64) (Set, error) {
	set := Set{}
	var custom bool
	for _, r := range roles {
		if IsCustom(r) {
			custom = true
			continue
		}
		set.Add(s.BuiltInPermissions(r)...)
	}
	if custom {
		defined, err := s.CustomRoles(ctx, lineage)
		if err != nil {
			return nil, err
		}
		for _, d := range defined {
			for _, r := range roles {
				if r == d.Key() {
					set.Add(d.List()...)
				}
			}
		}
	}
	return set, nil
}

// RolePermissions lists what one role grants in an organisation.
func (s *Service) RolePermissions(ctx context.Context, r Role, lineage []int64) ([]Permission, error) {
	set, err := s.PermissionsOf(ctx, []Role{r}, lineage)
	if err != nil {
		return nil, err
	}
	var out []Permission
	for _, p := range s.Permissions() {
		if set[p] {
			out = append(out, p)
		}
	}
	return out, nil
}

// SaveCustomRole creates (id 0) or changes a custom role of an organisation.
// Nobody builds a role with a permission they lack.
func (s *Service) SaveCustomRole(ctx context.Context, by Set, orgID, id int64, name string, perms []Permission) (*CustomRole, error) {
	name = strings.TrimSpace(name)
	inv := &Invalid{Fields: map[string]string{}}
	if name == "" || len([]rune(name)) > 60 {
		inv.Fields["name"] = "access.error.role_name"
	}
	var names []string
	for _, p := range perms {
		if !s.Known(p) || p == PlatformOperate {
			inv.Fields["permissions"] = "form.choose"
		}
		names = append(names, string(p))
	}
	if len(inv.Fields) > 0 {
		return nil, inv
	}
	if !by.Covers(perms) {
		return nil, ErrBeyondOwnRights
	}
	role := &CustomRole{ID: id, OrganisationID: orgID, Name: name, Permissions: strings.Join(names, ","), CreatedAt: time.Now().UTC()}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if id == 0 {
			if _, err := tx.NewInsert().Model(role).Exec(ctx); err != nil {
				return err
			}
		} else {
			res, err := tx.NewUpdate().Model(role).Column("name", "permissions").Where("id = ?", id).Where("organisation_id = ?", orgID).Exec(ctx)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
		}
		return audit.Note(ctx, tx, orgID, "organisation.role_saved", 0, role.Name)
	})
	if err != nil {
		return nil, err
	}
	return role, nil
}

// ErrNotFound is returned for a role that does not exist in the organisation.
var ErrNotFound = refusal.New(refusal.NotFound, "access: role not found", "")

// DeleteCustomRole removes a role nobody holds.
func (s *Service) DeleteCustomRole(ctx context.Context, orgID, id int64) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		// Another organisation's role is not found, whether or not anyone
		// holds it: checked before anything is said of its use.
		if own, err := tx.NewSelect().Model((*CustomRole)(nil)).Where("id = ? AND organisation_id = ?", id, orgID).Exists(ctx); err != nil {
			return err
		} else if !own {
			return ErrNotFound
		}
		key := CustomRole{ID: id}.Key()
		// Held by members, or promised to people asked to join (accepting
		// would otherwise give a role that no longer exists).
		for _, table := range []string{"member_roles", "member_invitations"} {
			n, err := tx.NewSelect().Table(table).Where("role = ?", key).Count(ctx)
			if err != nil {
				return err
			}
			if n > 0 {
				return ErrInUse
			}
		}
		res, err := tx.NewDelete().Model((*CustomRole)(nil)).Where("id = ?", id).Where("organisation_id = ?", orgID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit.Note(ctx, tx, orgID, "organisation.role_deleted", 0, strconv.FormatInt(id, 10))
	})
}

// Migrations are the schema changes access owns.
func Migrations() []store.Migration {
	type role struct {
		bun.BaseModel  `bun:"table:roles"`
		ID             int64     `bun:"id,pk,autoincrement"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		Name           string    `bun:"name,notnull"`
		Permissions    string    `bun:"permissions,notnull"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	return []store.Migration{{
		Name: "20261130130500_roles",
		Up: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewCreateTable().Model((*role)(nil)).ForeignKey("(organisation_id) REFERENCES organisations (id) ON DELETE CASCADE").Exec(ctx)
			return err
		},
		Down: store.DropTables((*role)(nil)),
	}}
}

// Offer is a role of an organisation's tree as someone sees it when giving
// roles: its key, its name (custom roles'; built-in roles are translated)
// and whether they may give it.
type Offer struct {
	Role      Role
	Name      string
	Grantable bool
}

// Offers lists the roles of an organisation (lineage, nearest first): the
// built-in ones, then its tree's custom roles, each with whether someone
// holding by may give it.
func (s *Service) Offers(ctx context.Context, by Set, lineage []int64) ([]Offer, error) {
	var out []Offer
	for _, r := range BuiltIn() {
		out = append(out, Offer{Role: r, Grantable: by.Covers(s.BuiltInPermissions(r))})
	}
	custom, err := s.CustomRoles(ctx, lineage)
	if err != nil {
		return nil, err
	}
	for _, r := range custom {
		out = append(out, Offer{Role: r.Key(), Name: r.Name, Grantable: by.Covers(r.List())})
	}
	return out, nil
}

// CheckGrant is the one check before a role is given, built-in or custom:
// it must exist in the organisation's tree (ErrNotFound: another
// organisation's custom role, or none at all) and grant nothing the giver
// lacks (ErrBeyondOwnRights).
func (s *Service) CheckGrant(ctx context.Context, by Set, r Role, lineage []int64) error {
	offers, err := s.Offers(ctx, by, lineage)
	if err != nil {
		return err
	}
	for _, o := range offers {
		if o.Role == r {
			if !o.Grantable {
				return ErrBeyondOwnRights
			}
			return nil
		}
	}
	return ErrNotFound
}
