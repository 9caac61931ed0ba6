// Package notice owns a person's notices in the portal: short "something new
// waits for you" lines that modules leave, each with a link, read or unread.
// They say that something happened, never its content.
package notice

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
)

// Notice is one line for one person in one organisation.
type Notice struct {
	bun.BaseModel `bun:"table:notices"`

	ID             int64      `bun:"id,pk,autoincrement"`
	OrganisationID int64      `bun:"organisation_id,notnull"`
	UserID         int64      `bun:"user_id,notnull"`
	Module         string     `bun:"module,notnull"`
	Message        string     `bun:"message,notnull"` // message id, translated when shown
	Link           string     `bun:"link,notnull"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	ReadAt         *time.Time `bun:"read_at"`
}

// ErrNotFound is a notice that is not the person's.
var ErrNotFound = refusal.New(refusal.NotFound, "notice: not found", "")

// Service keeps notices.
type Service struct{ db *store.DB }

// NewService returns the notice service.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// Add leaves a notice, in the transaction ctx carries.
func (s *Service) Add(ctx context.Context, n *Notice) error {
	n.CreatedAt = time.Now().UTC()
	_, err := s.db.In(ctx).NewInsert().Model(n).Exec(ctx)
	return err
}

// AddMany leaves the same kind of notice for many people in one statement,
// in the transaction ctx carries.
func (s *Service) AddMany(ctx context.Context, list []Notice) error {
	if len(list) == 0 {
		return nil
	}
	now := time.Now().UTC()
	for i := range list {
		list[i].CreatedAt = now
	}
	_, err := s.db.In(ctx).NewInsert().Model(&list).Exec(ctx)
	return err
}

// Unread counts a person's unread notices in an organisation.
func (s *Service) Unread(ctx context.Context, orgID, userID int64) (int, error) {
	n, err := s.db.NewSelect().Model((*Notice)(nil)).
		Where("organisation_id = ? AND user_id = ? AND read_at IS NULL", orgID, userID).Count(ctx)
	return int(n), err
}

// Recent lists a person's newest notices in an organisation.
func (s *Service) Recent(ctx context.Context, orgID, userID int64, limit int) ([]Notice, error) {
	var list []Notice
	err := s.db.NewSelect().Model(&list).Where("organisation_id = ? AND user_id = ?", orgID, userID).
		Order("id DESC").Limit(int64(limit)).Scan(ctx)
	return list, err
}

// Open marks a person's notice read and gives its link.
func (s *Service) Open(ctx context.Context, orgID, userID, id int64) (string, error) {
	var n Notice
	err := s.db.NewSelect().Model(&n).Where("id = ? AND organisation_id = ? AND user_id = ?", id, orgID, userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	if n.ReadAt == nil {
		if _, err := s.db.NewUpdate().Model(&n).Set("read_at = ?", time.Now().UTC()).WherePK().Exec(ctx); err != nil {
			return "", err
		}
	}
	return n.Link, nil
}

// ReadAll marks all of a person's notices in an organisation read.
func (s *Service) ReadAll(ctx context.Context, orgID, userID int64) error {
	_, err := s.db.NewUpdate().Model((*Notice)(nil)).Set("read_at = ?", time.Now().UTC()).
		Where("organisation_id = ? AND user_id = ? AND read_at IS NULL", orgID, userID).Exec(ctx)
	return err
}

// Migrations are the schema changes notices own. The table is written out
// here rather than taken from Notice, so later changes to the type never
// change what this migration did.
func Migrations() []store.Migration {
	type notice struct {
		bun.BaseModel  `bun:"table:notices"`
		ID             int64      `bun:"id,pk,autoincrement"`
		OrganisationID int64      `bun:"organisation_id,notnull"`
		UserID         int64      `bun:"user_id,notnull"`
		Module         string     `bun:"module,notnull"`
		Message        string     `bun:"message,notnull"`
		Link           string     `bun:"link,notnull"`
		CreatedAt      time.Time  `bun:"created_at,notnull"`
		ReadAt         *time.Time `bun:"read_at"`
	}
	return []store.Migration{{
		Name: "20261201100000_notices",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*notice)(nil)).Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*notice)(nil)).Index("notices_person").Column("organisation_id", "user_id", "id").Exec(ctx)
			return err
		},
		Down: store.DropTables((*notice)(nil)),
	}, countsMigration()}
}
