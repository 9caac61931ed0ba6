package tenancy

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Migrations are the schema changes tenancy owns.
//
// Each migration keeps its own frozen copy of the tables it creates, so that a
// later change to a model never changes what an applied migration did.
func Migrations() []store.Migration {
	type organisation struct {
		bun.BaseModel `bun:"table:organisations"`
		ID            int64     `bun:"id,pk,autoincrement"`
		ParentID      *int64    `bun:"parent_id"`
		Slug          string    `bun:"slug,notnull,unique"`
		Name          string    `bun:"name,notnull"`
		Status        string    `bun:"status,notnull"`
		Locale        string    `bun:"locale,notnull"`
		TimeZone      string    `bun:"time_zone,notnull"`
		Street        string    `bun:"street,notnull"`
		Postcode      string    `bun:"postcode,notnull"`
		City          string    `bun:"city,notnull"`
		Country       string    `bun:"country,notnull"`
		Phone         string    `bun:"phone,notnull"`
		Email         string    `bun:"email,notnull"`
		Website       string    `bun:"website,notnull"`
		Domain        string    `bun:"domain,notnull"`
		MainContactID *int64    `bun:"main_contact_id"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}
	type member struct {
		bun.BaseModel  `bun:"table:members"`
		OrganisationID int64     `bun:"organisation_id,pk"`
		UserID         int64     `bun:"user_id,pk"`
		Active         bool      `bun:"active,notnull"`
		WebAccess      bool      `bun:"web_access,notnull"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	type memberRole struct {
		bun.BaseModel  `bun:"table:member_roles"`
		OrganisationID int64  `bun:"organisation_id,pk"`
		UserID         int64  `bun:"user_id,pk"`
		Role           string `bun:"role,pk"`
	}
	type subscription struct {
		bun.BaseModel  `bun:"table:subscriptions"`
		OrganisationID int64     `bun:"organisation_id,pk"`
		Modules        string    `bun:"modules,notnull"`
		MaxPeople      int       `bun:"max_people,notnull"`
		UpdatedAt      time.Time `bun:"updated_at,notnull"`
	}
	type moduleSwitch struct {
		bun.BaseModel  `bun:"table:organisation_modules"`
		OrganisationID int64  `bun:"organisation_id,pk"`
		Module         string `bun:"module,pk"`
	}
	type term struct {
		bun.BaseModel  `bun:"table:organisation_terms"`
		OrganisationID int64  `bun:"organisation_id,pk"`
		Locale         string `bun:"locale,pk"`
		Key            string `bun:"term,pk"`
		One            string `bun:"one,notnull"`
		Other          string `bun:"other,notnull"`
	}
	orgRef := "(organisation_id) REFERENCES organisations (id) ON DELETE CASCADE"
	return []store.Migration{{
		Name: "20261130090000_organisations",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*organisation)(nil)).ForeignKey("(parent_id) REFERENCES organisations (id)").Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.NewCreateIndex().Model((*organisation)(nil)).Index("organisations_parent").Column("parent_id").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*organisation)(nil)).Index("organisations_domain").Column("domain").Exec(ctx)
			return err
		},
		Down: store.DropTables((*organisation)(nil)),
	}, {
		// Members refer to users (20261130120000), so they come after them.
		Name: "20261130120500_members",
		Up: func(ctx context.Context, tx bun.Tx) error {
			for _, m := range []any{(*member)(nil), (*memberRole)(nil)} {
				if _, err := tx.NewCreateTable().Model(m).ForeignKey(orgRef).
					ForeignKey("(user_id) REFERENCES users (id) ON DELETE CASCADE").Exec(ctx); err != nil {
					return err
				}
			}
			if _, err := tx.NewCreateIndex().Model((*member)(nil)).Index("members_user").Column("user_id").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*memberRole)(nil)).Index("member_roles_role").Column("organisation_id", "role").Exec(ctx)
			return err
		},
		Down: store.DropTables((*member)(nil), (*memberRole)(nil)),
	}, {
		Name: "20261130130000_subscriptions_modules_terms",
		Up: func(ctx context.Context, tx bun.Tx) error {
			for _, m := range []any{(*subscription)(nil), (*moduleSwitch)(nil), (*term)(nil)} {
				if _, err := tx.NewCreateTable().Model(m).ForeignKey(orgRef).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		},
		Down: store.DropTables((*subscription)(nil), (*moduleSwitch)(nil), (*term)(nil)),
	}, invitationMigration(), domainMigration(), askInvitedMigration(), storageMigration()}
}
