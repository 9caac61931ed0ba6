// Package directory owns the directory of an organisation's people: one query
// over accounts and memberships that searches, filters, sorts and pages, for
// the administrator's list and its CSV download.
package directory

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/store"
)

// Query says which people to list and how.
type Query struct {
	OrgIDs   []int64 // the organisation, or it and its daughters
	Search   string  // part of a name or address
	Status   string  // "active" (default), "inactive" or "all"
	Role     access.Role
	NoFactor bool   // only people without a second factor
	Sort     string // "name" (default), "email", "last_sign_in"
	Desc     bool
	Page     int // from 1
	PerPage  int
}

// Person is one row of the directory.
type Person struct {
	UserID         int64         `bun:"user_id"`
	OrganisationID int64         `bun:"organisation_id"`
	Organisation   string        `bun:"organisation"`
	Email          string        `bun:"email"`
	GivenName      string        `bun:"given_name"`
	NamePrefix     string        `bun:"name_prefix"`
	FamilyName     string        `bun:"family_name"`
	Status         string        `bun:"status"`
	TOTPEnabled    bool          `bun:"totp_enabled"`
	Locked         bool          `bun:"locked"`
	Active         bool          `bun:"active"`
	WebAccess      bool          `bun:"web_access"`
	LastSignInAt   *time.Time    `bun:"last_sign_in_at"`
	Roles          []access.Role `bun:"-"`
}

// Name is the person's full name.
func (p Person) Name() string {
	return strings.Join(strings.Fields(p.GivenName+" "+p.NamePrefix+" "+p.FamilyName), " ")
}

// Page is one page of the directory.
type Page struct {
	People             []Person
	Total, Page, Pages int
}

// Service reads the directory.
type Service struct{ db *store.DB }

// NewService returns the directory service.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// List returns one page of the people the query asks for.
func (s *Service) List(ctx context.Context, q Query) (Page, error) {
	if q.PerPage <= 0 {
		q.PerPage = 25
	}
	if q.Page < 1 {
		q.Page = 1
	}
	base := s.db.NewSelect().TableExpr("members AS m").
		Join("JOIN users AS u ON u.id = m.user_id").
		Join("JOIN organisations AS o ON o.id = m.organisation_id").
		Where("m.organisation_id IN (?)", bun.List(q.OrgIDs))
	switch q.Status {
	case "inactive":
		base = base.Where("(m.active = ? OR u.status = 'deactivated')", false)
	case "all":
	default: // active: the membership and the account both
		base = base.Where("m.active = ? AND u.status <> 'deactivated'", true)
	}
	if term := strings.TrimSpace(q.Search); term != "" {
		// A literal search: % and _ typed by the person match themselves. The
		// escape character is "!" because backslashes mean different things to
		// the two databases and to the query builder.
		like := "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(strings.ToLower(term)) + "%"
		base = base.WhereGroup(" AND ", func(w *bun.SelectQuery) *bun.SelectQuery {
			return w.Where(`LOWER(u.given_name) LIKE ? ESCAPE '!'`, like).
				WhereOr(`LOWER(u.family_name) LIKE ? ESCAPE '!'`, like).
				WhereOr(`LOWER(u.email) LIKE ? ESCAPE '!'`, like)
		})
	}
	if q.Role != "" {
		base = base.Where("EXISTS (SELECT 1 FROM member_roles r WHERE r.organisation_id = m.organisation_id AND r.user_id = m.user_id AND r.role = ?)", q.Role)
	}
	if q.NoFactor {
		base = base.Where("u.totp_enabled = ?", false)
	}
	total, err := base.Count(ctx)
	if err != nil {
		return Page{}, err
	}
	order := map[string]string{"email": "u.email", "last_sign_in": "u.last_sign_in_at"}[q.Sort]
	if order == "" {
		order = "LOWER(u.family_name)"
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	if q.Sort == "last_sign_in" {
		dir += " NULLS LAST" // who never signed in comes last either way, on both databases
	}
	var rows []Person
	err = base.ColumnExpr("m.user_id, m.organisation_id, o.name AS organisation, u.email, u.given_name, u.name_prefix, u.family_name, u.status, u.totp_enabled, u.locked_at IS NOT NULL AS locked, m.active, m.web_access, u.last_sign_in_at").
		OrderExpr(order+dir).OrderExpr("u.id").
		Limit(int64(q.PerPage)).Offset(int64((q.Page-1)*q.PerPage)).Scan(ctx, &rows)
	if err != nil {
		return Page{}, err
	}
	if err := s.withRoles(ctx, rows); err != nil {
		return Page{}, err
	}
	pages := (int(total) + q.PerPage - 1) / q.PerPage
	return Page{People: rows, Total: int(total), Page: q.Page, Pages: max(pages, 1)}, nil
}

// withRoles fills in each row's roles with one query.
func (s *Service) withRoles(ctx context.Context, rows []Person) error {
	if len(rows) == 0 {
		return nil
	}
	var users []int64
	for _, r := range rows {
		users = append(users, r.UserID)
	}
	var roles []struct {
		OrganisationID int64
		UserID         int64
		Role           access.Role
	}
	if err := s.db.NewSelect().Table("member_roles").Column("organisation_id", "user_id", "role").
		Where("user_id IN (?)", bun.List(users)).Order("role").Scan(ctx, &roles); err != nil {
		return err
	}
	for i := range rows {
		for _, r := range roles {
			if r.UserID == rows[i].UserID && r.OrganisationID == rows[i].OrganisationID {
				rows[i].Roles = append(rows[i].Roles, r.Role)
			}
		}
	}
	return nil
}
