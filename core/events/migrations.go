package events

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Migrations are the schema changes events owns, with frozen copies of its
// tables.
func Migrations() []store.Migration {
	type event struct {
		bun.BaseModel  `bun:"table:events"`
		ID             int64     `bun:"id,pk,autoincrement"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		Source         string    `bun:"source,notnull"`
		Name           string    `bun:"name,notnull"`
		Payload        []byte    `bun:"payload,notnull"`
		ActorID        *int64    `bun:"actor_id"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	type subscriber struct {
		bun.BaseModel `bun:"table:event_subscribers"`
		Name          string    `bun:"name,pk"`
		Since         int64     `bun:"since,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}
	type cursor struct {
		bun.BaseModel  `bun:"table:event_cursors"`
		Subscriber     string     `bun:"subscriber,pk"`
		OrganisationID int64      `bun:"organisation_id,pk"`
		Position       int64      `bun:"position,notnull"`
		ClaimedBy      string     `bun:"claimed_by,notnull"`
		ClaimedUntil   *time.Time `bun:"claimed_until"`
		Attempts       int        `bun:"attempts,notnull"`
		NextAt         time.Time  `bun:"next_at,notnull"`
		LastError      string     `bun:"last_error,notnull"`
		GivenUp        int        `bun:"given_up,notnull"`
	}
	return []store.Migration{{
		Name: "20270103090000_events",
		Up: func(ctx context.Context, tx bun.Tx) error {
			for _, m := range []any{(*event)(nil), (*subscriber)(nil), (*cursor)(nil)} {
				if _, err := tx.NewCreateTable().Model(m).Exec(ctx); err != nil {
					return err
				}
			}
			// A subscriber reads one organisation's events by name, in order.
			if _, err := tx.NewCreateIndex().Model((*event)(nil)).Index("events_by_organisation").Column("organisation_id", "name", "id").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*event)(nil)).Index("events_by_name").Column("name", "id").Exec(ctx)
			return err
		},
		Down: store.DropTables((*cursor)(nil), (*subscriber)(nil), (*event)(nil)),
	}}
}
