package tenancy

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/refusal"
)

// Member is a person's place in one organisation. A person may belong to
// several. Members are deactivated, never deleted: their history stays.
type Member struct {
	bun.BaseModel `bun:"table:members"`

	OrganisationID int64     `bun:"organisation_id,pk"`
	UserID         int64     `bun:"user_id,pk"`
	Active         bool      `bun:"active,notnull"`
	WebAccess      bool      `bun:"web_access,notnull"` // may sign in to the portal
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// MemberRole is one role a member holds in the organisation.
type MemberRole struct {
	bun.BaseModel `bun:"table:member_roles"`

	OrganisationID int64       `bun:"organisation_id,pk"`
	UserID         int64       `bun:"user_id,pk"`
	Role           access.Role `bun:"role,pk"`
}

// ErrLastAdmin refuses a change that would leave an organisation without an
// active administrator.
var ErrLastAdmin = refusal.New(refusal.Conflict, "tenancy: the last administrator", "tenancy.error.last_admin")

// ErrAlreadyMember is returned when someone is added twice.
var ErrAlreadyMember = refusal.New(refusal.Conflict, "tenancy: already a member", "people.invite.already_member")

// IsMember tells whether the person belongs to the organisation (active or not).
func (s *Service) IsMember(ctx context.Context, orgID, userID int64) (bool, error) {
	return IsMember(ctx, s.db, orgID, userID)
}

// IsMember is the method IsMember within a transaction.
func IsMember(ctx context.Context, db bun.IDB, orgID, userID int64) (bool, error) {
	n, err := db.NewSelect().Model((*Member)(nil)).Where("organisation_id = ?", orgID).Where("user_id = ?", userID).Count(ctx)
	return n > 0, err
}

// AddMember makes a person an active member with the given roles; roles they
// already hold are kept.
func AddMember(ctx context.Context, db bun.IDB, orgID, userID int64, roles ...access.Role) error {
	m := &Member{OrganisationID: orgID, UserID: userID, Active: true, WebAccess: true, CreatedAt: time.Now().UTC()}
	if _, err := db.NewInsert().Model(m).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("tenancy: add member: %w", err)
	}
	for _, r := range roles {
		if _, err := db.NewInsert().Model(&MemberRole{OrganisationID: orgID, UserID: userID, Role: r}).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("tenancy: add role: %w", err)
		}
	}
	return nil
}

// RolesOf lists the roles a person holds in an organisation.
func (s *Service) RolesOf(ctx context.Context, orgID, userID int64) ([]access.Role, error) {
	var roles []access.Role
	err := s.db.NewSelect().Model((*MemberRole)(nil)).Column("role").Where("organisation_id = ?", orgID).Where("user_id = ?", userID).Order("role").Scan(ctx, &roles)
	return roles, err
}

// Member returns a person's membership of an organisation.
func (s *Service) Member(ctx context.Context, orgID, userID int64) (*Member, error) {
	m := new(Member)
	err := s.db.NewSelect().Model(m).Where("organisation_id = ?", orgID).Where("user_id = ?", userID).Scan(ctx)
	if err != nil {
		return nil, ErrNotFound
	}
	return m, nil
}

// SetRoles replaces a member's roles. The organisation keeps at least one
// active administrator.
func (s *Service) SetRoles(ctx context.Context, orgID, userID int64, roles []access.Role) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if _, err := tx.NewDelete().Model((*MemberRole)(nil)).Where("organisation_id = ?", orgID).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		names := make([]string, len(roles))
		for i, r := range roles {
			if _, err := tx.NewInsert().Model(&MemberRole{OrganisationID: orgID, UserID: userID, Role: r}).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
				return err
			}
			names[i] = string(r)
		}
		if err := keepsAnAdmin(ctx, tx, orgID); err != nil {
			return err
		}
		return audit.Note(ctx, tx, orgID, "people.roles_changed", userID, strings.Join(names, ", "))
	})
}

// ChangeRoles replaces a member's roles as someone holding by asks, in the
// organisation whose lineage (nearest first) is given: a role they may not
// give (one that grants what they do not hold) can be neither added nor
// taken away, roles that are not the tree's are ignored, and the
// organisation keeps an administrator.
func (s *Service) ChangeRoles(ctx context.Context, by access.Set, lineage []int64, userID int64, roles []access.Role) error {
	if len(lineage) == 0 {
		return ErrNotFound
	}
	orgID := lineage[0]
	offers, err := s.rights.Offers(ctx, by, lineage)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		var held []access.Role
		if err := s.db.In(ctx).NewSelect().Model((*MemberRole)(nil)).Column("role").
			Where("organisation_id = ? AND user_id = ?", orgID, userID).Scan(ctx, &held); err != nil {
			return err
		}
		var next []access.Role
		for _, o := range offers {
			wanted := slices.Contains(roles, o.Role)
			if !o.Grantable && wanted != slices.Contains(held, o.Role) {
				return access.ErrBeyondOwnRights
			}
			if wanted {
				next = append(next, o.Role)
			}
		}
		return s.SetRoles(ctx, orgID, userID, next)
	})
}

// SetActive deactivates or reactivates a member (never deleting them).
func (s *Service) SetActive(ctx context.Context, orgID, userID int64, active bool) error {
	return s.setFlag(ctx, orgID, userID, "active", active)
}

// SetWebAccess lets a member sign in to the portal, or not.
func (s *Service) SetWebAccess(ctx context.Context, orgID, userID int64, on bool) error {
	return s.setFlag(ctx, orgID, userID, "web_access", on)
}

// setFlag turns a member's active or web_access flag on or off. Turning
// either on lets someone (back) in, so it takes a place in the subscription
// like an invitation: without the check, deactivating a member, inviting
// someone new and reactivating the first would go past the limit.
func (s *Service) setFlag(ctx context.Context, orgID, userID int64, column string, on bool) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if on {
			if err := s.checkRoom(ctx, tx, orgID, userID); err != nil {
				return err
			}
		}
		res, err := tx.NewUpdate().Model((*Member)(nil)).Set("? = ?", bun.Ident(column), on).
			Where("organisation_id = ?", orgID).Where("user_id = ?", userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := keepsAnAdmin(ctx, tx, orgID); err != nil {
			return err
		}
		return audit.Note(ctx, tx, orgID, "people."+column+"_"+strconv.FormatBool(on), userID, "")
	})
}

// keepsAnAdmin refuses (rolling back the caller's transaction) a state in
// which an organisation that had administrators has none left who can act.
// Daughters may rely on their parent's administrators and need none of their own.
func keepsAnAdmin(ctx context.Context, tx bun.IDB, orgID int64) error {
	var parent *int64
	if err := tx.NewSelect().Model((*Organisation)(nil)).Column("parent_id").Where("id = ?", orgID).Scan(ctx, &parent); err != nil {
		return err
	}
	if parent != nil {
		return nil
	}
	n, err := tx.NewSelect().TableExpr("member_roles AS r").
		Join("JOIN members AS m ON m.organisation_id = r.organisation_id AND m.user_id = r.user_id").
		Where("r.organisation_id = ?", orgID).Where("r.role = ?", access.RoleAdmin).
		Where("m.active = ?", true).Where("m.web_access = ?", true).Count(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// MemberOf lists every organisation a person has a membership of, active
// or not.
func (s *Service) MemberOf(ctx context.Context, userID int64) ([]int64, error) {
	var ids []int64
	err := s.db.NewSelect().Model((*Member)(nil)).Column("organisation_id").Where("user_id = ?", userID).Scan(ctx, &ids)
	return ids, err
}

// Memberships lists the organisations a person is an active member of, with
// the roles held in each.
func (s *Service) Memberships(ctx context.Context, userID int64) ([]Membership, error) {
	var rows []struct {
		OrganisationID int64
		Role           *string
	}
	err := s.db.NewRaw(`SELECT m.organisation_id, r.role FROM members m
		LEFT JOIN member_roles r ON r.organisation_id = m.organisation_id AND r.user_id = m.user_id
		WHERE m.user_id = ? AND m.active = ? AND m.web_access = ? ORDER BY m.organisation_id, r.role`, userID, true, true).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("tenancy: memberships: %w", err)
	}
	var out []Membership
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].OrganisationID != r.OrganisationID {
			out = append(out, Membership{OrganisationID: r.OrganisationID})
		}
		if r.Role != nil {
			out[len(out)-1].Roles = append(out[len(out)-1].Roles, access.Role(*r.Role))
		}
	}
	return out, nil
}

// Membership is an organisation a person belongs to and their roles there.
type Membership struct {
	OrganisationID int64
	Roles          []access.Role
}

// MemberIDs lists the active members of an organisation with their roles.
func (s *Service) MemberIDs(ctx context.Context, orgID int64) (map[int64][]access.Role, error) {
	ms, err := s.members(ctx, []int64{orgID})
	if err != nil {
		return nil, err
	}
	out := map[int64][]access.Role{}
	for _, m := range ms {
		out[m.UserID] = append(out[m.UserID], m.Roles...)
	}
	return out, nil
}

// MembersAmong tells which of userIDs are members of any of orgIDs.
func (s *Service) MembersAmong(ctx context.Context, orgIDs, userIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(orgIDs) == 0 || len(userIDs) == 0 {
		return out, nil
	}
	var ids []int64
	err := s.db.NewSelect().Table("members").Column("user_id").Distinct().
		Where("organisation_id IN (?)", bun.List(orgIDs)).Where("user_id IN (?)", bun.List(userIDs)).Scan(ctx, &ids)
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// RolesAmong gives, of the given people, those who are members of the
// organisation, with their roles there (none for a member without roles).
// It reads only the rows of those people, however large the organisation.
func (s *Service) RolesAmong(ctx context.Context, orgID int64, userIDs []int64) (map[int64][]access.Role, error) {
	out := map[int64][]access.Role{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID int64          `bun:"user_id"`
		Role   sql.NullString `bun:"role"`
	}
	err := s.db.NewSelect().TableExpr("members AS m").
		ColumnExpr("m.user_id, r.role").
		Join("LEFT JOIN member_roles AS r ON r.organisation_id = m.organisation_id AND r.user_id = m.user_id").
		Where("m.organisation_id = ?", orgID).Where("m.user_id IN (?)", bun.List(userIDs)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		roles := out[r.UserID]
		if r.Role.Valid {
			roles = append(roles, access.Role(r.Role.String))
		}
		out[r.UserID] = roles
	}
	return out, nil
}

// memberRow is a member with roles, from members(…).
type memberRow struct {
	Member
	Roles []access.Role
}

func (s *Service) members(ctx context.Context, orgIDs []int64) ([]memberRow, error) {
	var ms []Member
	if err := s.db.NewSelect().Model(&ms).Where("organisation_id IN (?)", bun.List(orgIDs)).Scan(ctx); err != nil {
		return nil, err
	}
	var rs []MemberRole
	if err := s.db.NewSelect().Model(&rs).Where("organisation_id IN (?)", bun.List(orgIDs)).Scan(ctx); err != nil {
		return nil, err
	}
	byKey := map[[2]int64][]access.Role{}
	for _, r := range rs {
		k := [2]int64{r.OrganisationID, r.UserID}
		byKey[k] = append(byKey[k], r.Role)
	}
	out := make([]memberRow, len(ms))
	for i, m := range ms {
		out[i] = memberRow{Member: m, Roles: byKey[[2]int64{m.OrganisationID, m.UserID}]}
	}
	return out, nil
}

// SharesOrganisation tells whether two people are members of a common organisation.
func (s *Service) SharesOrganisation(ctx context.Context, a, b int64) (bool, error) {
	n, err := s.db.NewSelect().TableExpr("members AS x").
		Join("JOIN members AS y ON y.organisation_id = x.organisation_id").
		Where("x.user_id = ?", a).Where("y.user_id = ?", b).Count(ctx)
	return n > 0, err
}

// ActivePeople counts the distinct active people in a set of organisations.
func (s *Service) ActivePeople(ctx context.Context, orgIDs []int64) (int, error) {
	var n int
	err := s.db.In(ctx).NewRaw("SELECT COUNT(DISTINCT user_id) FROM members WHERE organisation_id IN (?) AND active = ?", bun.List(orgIDs), true).Scan(ctx, &n)
	return n, err
}

// Home is the organisation a person works in when they sign in: the first
// active organisation they are an active member of, with their roles there.
func (s *Service) Home(ctx context.Context, userID int64) (*Organisation, []access.Role, error) {
	ms, err := s.Memberships(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range ms {
		org, err := s.ByID(ctx, m.OrganisationID)
		if err != nil {
			return nil, nil, err
		}
		if org.Active() {
			return org, m.Roles, nil
		}
	}
	return nil, nil, ErrNotFound
}
