package tenancy

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
)

// Membership says that a person holds a role in an organisation. A person may
// hold several roles and belong to several organisations.
type Membership struct {
	bun.BaseModel `bun:"table:memberships"`

	OrganisationID int64       `bun:"organisation_id,pk"`
	UserID         int64       `bun:"user_id,pk"`
	Role           access.Role `bun:"role,pk"`
	CreatedAt      time.Time   `bun:"created_at,notnull"`
}

// AddMember gives a person a role in an organisation; giving it twice is a no-op.
func AddMember(ctx context.Context, db bun.IDB, orgID, userID int64, role access.Role) error {
	m := &Membership{OrganisationID: orgID, UserID: userID, Role: role, CreatedAt: time.Now().UTC()}
	_, err := db.NewInsert().Model(m).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("tenancy: add member: %w", err)
	}
	return nil
}

// Home is the organisation a person works in after signing in, with the
// roles they hold there: for now the oldest organisation they belong to
// (the organisation switcher arrives with daughter organisations).
func (s *Service) Home(ctx context.Context, userID int64) (*Organisation, []access.Role, error) {
	var ms []Membership
	if err := s.db.NewSelect().Model(&ms).Where("user_id = ?", userID).Order("organisation_id", "role").Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("tenancy: memberships: %w", err)
	}
	if len(ms) == 0 {
		return nil, nil, ErrNotFound
	}
	org := new(Organisation)
	if err := s.db.NewSelect().Model(org).Where("id = ?", ms[0].OrganisationID).Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("tenancy: organisation: %w", err)
	}
	var roles []access.Role
	for _, m := range ms {
		if m.OrganisationID == org.ID {
			roles = append(roles, m.Role)
		}
	}
	return org, roles, nil
}

// MemberIDs lists the people of an organisation with their roles.
func (s *Service) MemberIDs(ctx context.Context, orgID int64) (map[int64][]access.Role, error) {
	var ms []Membership
	if err := s.db.NewSelect().Model(&ms).Where("organisation_id = ?", orgID).Scan(ctx); err != nil {
		return nil, err
	}
	out := map[int64][]access.Role{}
	for _, m := range ms {
		out[m.UserID] = append(out[m.UserID], m.Role)
	}
	return out, nil
}

// SharesOrganisation tells whether two people belong to a common organisation.
func (s *Service) SharesOrganisation(ctx context.Context, a, b int64) (bool, error) {
	n, err := s.db.NewSelect().TableExpr("memberships AS x").
		Join("JOIN memberships AS y ON y.organisation_id = x.organisation_id").
		Where("x.user_id = ?", a).Where("y.user_id = ?", b).Count(ctx)
	return n > 0, err
}
