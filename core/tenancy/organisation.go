// Package tenancy owns organisations: the subscribers that use Atrium and,
// later, their daughter organisations, memberships and subscriptions.
package tenancy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Organisation is a subscriber or a daughter organisation.
type Organisation struct {
	bun.BaseModel `bun:"table:organisations"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Slug      string    `bun:"slug,notnull,unique"`
	Name      string    `bun:"name,notnull"`
	Locale    string    `bun:"locale,notnull"`
	TimeZone  string    `bun:"time_zone,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// ErrNotFound is returned when no organisation matches.
var ErrNotFound = errors.New("tenancy: organisation not found")

// Service reads and writes organisations.
type Service struct{ db *store.DB }

// NewService returns a Service on db.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// BySlug finds an organisation by its slug.
func (s *Service) BySlug(ctx context.Context, slug string) (*Organisation, error) {
	org := new(Organisation)
	err := s.db.NewSelect().Model(org).Where("slug = ?", slug).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tenancy: organisation %q: %w", slug, err)
	}
	return org, nil
}

// First returns the oldest organisation: the one a single-organisation
// installation shows to visitors until sign-in picks the active one.
func (s *Service) First(ctx context.Context) (*Organisation, error) {
	org := new(Organisation)
	err := s.db.NewSelect().Model(org).Order("id").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("tenancy: first organisation: %w", err)
	}
	return org, nil
}

// Ensure creates the organisation with org's slug unless it exists, and returns
// the stored one and whether it was created. Concurrent calls create one row.
func (s *Service) Ensure(ctx context.Context, org Organisation) (*Organisation, bool, error) {
	if org.CreatedAt.IsZero() {
		org.CreatedAt = time.Now().UTC()
	}
	res, err := s.db.NewInsert().Model(&org).On("CONFLICT (slug) DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("tenancy: create organisation %q: %w", org.Slug, err)
	}
	n, _ := res.RowsAffected()
	stored, err := s.BySlug(ctx, org.Slug)
	return stored, n == 1, err
}
