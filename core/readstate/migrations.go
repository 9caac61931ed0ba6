package readstate

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Migrations are the schema changes readstate owns, with frozen copies of
// its tables.
func Migrations() []store.Migration {
	type item struct {
		bun.BaseModel  `bun:"table:dossier_items"`
		ID             int64     `bun:"id,pk,autoincrement"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		DossierID      int64     `bun:"dossier_id,notnull"`
		Kind           string    `bun:"kind,notnull"`
		Ref            string    `bun:"ref,notnull"`
		AuthorID       *int64    `bun:"author_id"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	type mark struct {
		bun.BaseModel `bun:"table:read_marks"`
		UserID        int64     `bun:"user_id,pk"`
		ItemID        int64     `bun:"item_id,pk"`
		ReadAt        time.Time `bun:"read_at,notnull"`
	}
	return []store.Migration{{
		Name: "20261202100000_read_state",
		Up: func(ctx context.Context, tx bun.Tx) error {
			for _, m := range []any{(*item)(nil), (*mark)(nil)} {
				if _, err := tx.NewCreateTable().Model(m).Exec(ctx); err != nil {
					return err
				}
			}
			if _, err := tx.NewCreateIndex().Model((*item)(nil)).Index("dossier_items_by_dossier").Column("dossier_id", "kind", "ref").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*mark)(nil)).Index("read_marks_by_item").Column("item_id").Exec(ctx)
			return err
		},
		Down: store.DropTables((*mark)(nil), (*item)(nil)),
	}}
}
