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
	type membership struct {
		bun.BaseModel  `bun:"table:memberships"`
		OrganisationID int64     `bun:"organisation_id,pk"`
		UserID         int64     `bun:"user_id,pk"`
		Role           string    `bun:"role,pk"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
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
	}, {
		// Memberships come after users (20261130120000), which they refer to.
		Name: "20261130120500_memberships",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*membership)(nil)).
				ForeignKey("(organisation_id) REFERENCES organisations (id) ON DELETE CASCADE").
				ForeignKey("(user_id) REFERENCES users (id) ON DELETE CASCADE").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*membership)(nil)).Index("memberships_user").Column("user_id").Exec(ctx)
			return err
		},
		Down: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewDropTable().Model((*membership)(nil)).Exec(ctx)
			return err
		},
	}}
}
