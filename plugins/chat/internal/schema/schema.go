// Package schema owns the chat's tables as its migrations make them, each
// migration with its own frozen copy of what it creates.
package schema

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// Register adds the chat's migrations to the module, in order.
func Register(m *sdk.Module) {
	m.Migration("20261210090000_chat", func(ctx context.Context, db *bun.DB) error {
		type conversation struct {
			bun.BaseModel  `bun:"table:chat_conversations"`
			ID             int64     `bun:"id,pk,autoincrement"`
			OrganisationID int64     `bun:"organisation_id,notnull"`
			LowID          int64     `bun:"low_id,notnull"`
			HighID         int64     `bun:"high_id,notnull"`
			LastAt         time.Time `bun:"last_at,notnull"`
		}
		type message struct {
			bun.BaseModel  `bun:"table:chat_messages"`
			ID             int64      `bun:"id,pk,autoincrement"`
			OrganisationID int64      `bun:"organisation_id,notnull"`
			ConversationID int64      `bun:"conversation_id,notnull"`
			AuthorID       int64      `bun:"author_id,notnull"`
			Body           string     `bun:"body,notnull"`
			CreatedAt      time.Time  `bun:"created_at,notnull"`
			EditedAt       *time.Time `bun:"edited_at"`
			DeletedAt      *time.Time `bun:"deleted_at"`
		}
		type read struct {
			bun.BaseModel  `bun:"table:chat_reads"`
			OrganisationID int64 `bun:"organisation_id,pk"`
			ConversationID int64 `bun:"conversation_id,pk"`
			UserID         int64 `bun:"user_id,pk"`
			LastReadID     int64 `bun:"last_read_id,notnull"`
		}
		for _, model := range []any{(*conversation)(nil), (*message)(nil), (*read)(nil)} {
			if _, err := db.NewCreateTable().Model(model).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := db.NewCreateIndex().Model((*conversation)(nil)).Index("chat_conversations_pair").Unique().Column("organisation_id", "low_id", "high_id").Exec(ctx); err != nil {
			return err
		}
		if _, err := db.NewCreateIndex().Model((*conversation)(nil)).Index("chat_conversations_high").Column("organisation_id", "high_id").Exec(ctx); err != nil {
			return err
		}
		_, err := db.NewCreateIndex().Model((*message)(nil)).Index("chat_messages_by_conversation").Column("organisation_id", "conversation_id", "id").Exec(ctx)
		return err
	})
	m.Migration("20261211090000_chat_settings", func(ctx context.Context, db *bun.DB) error {
		type settings struct {
			bun.BaseModel  `bun:"table:chat_settings"`
			OrganisationID int64 `bun:"organisation_id,pk"`
			EditMinutes    int   `bun:"edit_minutes,notnull"`
		}
		_, err := db.NewCreateTable().Model((*settings)(nil)).Exec(ctx)
		return err
	})
}
