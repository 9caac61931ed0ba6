package tenancy

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Migrations are the schema changes tenancy owns.
//
// Each migration keeps its own frozen copy of the table it creates, so that a
// later change to Organisation never changes what an applied migration did.
func Migrations() []store.Migration {
	type organisation struct {
		bun.BaseModel `bun:"table:organisations"`
		ID            int64     `bun:"id,pk,autoincrement"`
		Slug          string    `bun:"slug,notnull,unique"`
		Name          string    `bun:"name,notnull"`
		Locale        string    `bun:"locale,notnull"`
		TimeZone      string    `bun:"time_zone,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}
	return []store.Migration{{
		Name: "20261130090000_organisations",
		Up: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewCreateTable().Model((*organisation)(nil)).Exec(ctx)
			return err
		},
		Down: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewDropTable().Model((*organisation)(nil)).Exec(ctx)
			return err
		},
	}}
}
