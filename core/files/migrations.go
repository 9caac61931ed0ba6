package files

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Migrations are the schema changes files owns, with frozen copies of its
// tables.
func Migrations() []store.Migration {
	type file struct {
		bun.BaseModel  `bun:"table:files"`
		ID             int64      `bun:"id,pk,autoincrement"`
		OrganisationID int64      `bun:"organisation_id,notnull"`
		SubscriberID   int64      `bun:"subscriber_id,notnull"`
		Owner          string     `bun:"owner,notnull"`
		Ref            string     `bun:"ref,notnull"`
		DossierID      *int64     `bun:"dossier_id"`
		Name           string     `bun:"name,notnull"`
		Size           int64      `bun:"size,notnull"`
		ContentType    string     `bun:"content_type,notnull"`
		SHA256         string     `bun:"sha256,notnull"`
		UploadedBy     *int64     `bun:"uploaded_by"`
		CreatedAt      time.Time  `bun:"created_at,notnull"`
		ClaimedAt      *time.Time `bun:"claimed_at"`
		Key            string     `bun:"storage_key,notnull"`
	}
	return []store.Migration{{
		Name: "20270102090000_files",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*file)(nil)).
				ForeignKey(`(organisation_id) REFERENCES organisations (id) ON DELETE CASCADE`).Exec(ctx); err != nil {
				return err
			}
			for name, cols := range map[string][]string{
				"files_by_owner":      {"organisation_id", "owner", "ref"},
				"files_by_subscriber": {"subscriber_id"},
				"files_by_uploader":   {"uploaded_by"},
				"files_unclaimed":     {"claimed_at", "created_at"},
			} {
				if _, err := tx.NewCreateIndex().Model((*file)(nil)).Index(name).Column(cols...).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		},
		Down: store.DropTables((*file)(nil)),
	}}
}
