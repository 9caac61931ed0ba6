package notice

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// count is what waits for a person in a module (unread messages), as the
// module keeps it, for its navigation entry's badge.
type count struct {
	bun.BaseModel  `bun:"table:module_counts"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	UserID         int64  `bun:"user_id,pk"`
	Module         string `bun:"module,pk"`
	Count          int    `bun:"count,notnull"`
}

// SetCount records what waits for a person in a module.
func (s *Service) SetCount(ctx context.Context, orgID, userID int64, module string, n int) error {
	c := &count{OrganisationID: orgID, UserID: userID, Module: module, Count: n}
	_, err := s.db.NewInsert().Model(c).On("CONFLICT (organisation_id, user_id, module) DO UPDATE").Set("count = EXCLUDED.count").Exec(ctx)
	return err
}

// Count is what waits for a person in a module, 0 when it never said.
func (s *Service) Count(ctx context.Context, orgID, userID int64, module string) (int, error) {
	c := new(count)
	err := s.db.NewSelect().Model(c).Where("organisation_id = ? AND user_id = ? AND module = ?", orgID, userID, module).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return c.Count, err
}

func countsMigration() store.Migration {
	type count struct {
		bun.BaseModel  `bun:"table:module_counts"`
		OrganisationID int64  `bun:"organisation_id,pk"`
		UserID         int64  `bun:"user_id,pk"`
		Module         string `bun:"module,pk"`
		Count          int    `bun:"count,notnull"`
	}
	return store.Migration{
		Name: "20261230120000_module_counts",
		Up: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewCreateTable().Model((*count)(nil)).Exec(ctx)
			return err
		},
		Down: store.DropTables((*count)(nil)),
	}
}
