package identity

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Migrations are the schema changes identity owns. Each keeps frozen copies of
// its tables, so later changes to the models never alter an applied migration.
func Migrations() []store.Migration {
	type user struct {
		bun.BaseModel     `bun:"table:users"`
		ID                int64      `bun:"id,pk,autoincrement"`
		Email             string     `bun:"email,notnull,unique"`
		GivenName         string     `bun:"given_name,notnull"`
		NamePrefix        string     `bun:"name_prefix,notnull"`
		FamilyName        string     `bun:"family_name,notnull"`
		Phone             string     `bun:"phone,notnull"`
		Locale            string     `bun:"locale,notnull"`
		TimeZone          string     `bun:"time_zone,notnull"`
		Status            string     `bun:"status,notnull"`
		Operator          bool       `bun:"operator,notnull"`
		PasswordHash      string     `bun:"password_hash,notnull"`
		PasswordChangedAt *time.Time `bun:"password_changed_at"`
		TermsAcceptedAt   *time.Time `bun:"terms_accepted_at"`
		TOTPSecret        string     `bun:"totp_secret,notnull"`
		TOTPEnabled       bool       `bun:"totp_enabled,notnull"`
		TOTPLastStep      int64      `bun:"totp_last_step,notnull"`
		FailedSignIns     int        `bun:"failed_sign_ins,notnull"`
		LockedAt          *time.Time `bun:"locked_at"`
		Photo             []byte     `bun:"photo"`
		PhotoType         string     `bun:"photo_type,notnull"`
		CreatedAt         time.Time  `bun:"created_at,notnull"`
		LastSignInAt      *time.Time `bun:"last_sign_in_at"`
	}
	type passwordHistory struct {
		bun.BaseModel `bun:"table:password_history"`
		ID            int64     `bun:"id,pk,autoincrement"`
		UserID        int64     `bun:"user_id,notnull"`
		Hash          string    `bun:"hash,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}
	type token struct {
		bun.BaseModel `bun:"table:user_tokens"`
		Hash          string     `bun:"hash,pk"`
		UserID        int64      `bun:"user_id,notnull"`
		Purpose       string     `bun:"purpose,notnull"`
		ExpiresAt     time.Time  `bun:"expires_at,notnull"`
		UsedAt        *time.Time `bun:"used_at"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
	}
	type backupCode struct {
		bun.BaseModel `bun:"table:backup_codes"`
		ID            int64      `bun:"id,pk,autoincrement"`
		UserID        int64      `bun:"user_id,notnull"`
		Digest        string     `bun:"digest,notnull"`
		UsedAt        *time.Time `bun:"used_at"`
	}
	type appPassword struct {
		bun.BaseModel `bun:"table:app_passwords"`
		ID            int64      `bun:"id,pk,autoincrement"`
		UserID        int64      `bun:"user_id,notnull"`
		Name          string     `bun:"name,notnull"`
		Hash          string     `bun:"hash,notnull,unique"`
		CreatedAt     time.Time  `bun:"created_at,notnull"`
		LastUsedAt    *time.Time `bun:"last_used_at"`
		RevokedAt     *time.Time `bun:"revoked_at"`
	}
	type throttle struct {
		bun.BaseModel `bun:"table:sign_in_throttles"`
		Key           string    `bun:"key,pk"`
		Failures      int       `bun:"failures,notnull"`
		BlockedUntil  time.Time `bun:"blocked_until,notnull"`
		UpdatedAt     time.Time `bun:"updated_at,notnull"`
	}
	type session struct {
		bun.BaseModel `bun:"table:sessions"`
		ID            string    `bun:"id,pk"`
		UserID        int64     `bun:"user_id,notnull"`
		SecondFactor  bool      `bun:"second_factor,notnull"`
		OrgID         int64     `bun:"organisation_id,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
		LastSeenAt    time.Time `bun:"last_seen_at,notnull"`
		ExpiresAt     time.Time `bun:"expires_at,notnull"`
		IP            string    `bun:"ip,notnull"`
		UserAgent     string    `bun:"user_agent,notnull"`
	}
	type mailPreference struct {
		bun.BaseModel `bun:"table:mail_preferences"`
		UserID        int64  `bun:"user_id,pk"`
		Kind          string `bun:"kind,pk"`
		Enabled       bool   `bun:"enabled,notnull"`
	}
	tables := []any{(*user)(nil), (*mailPreference)(nil), (*session)(nil), (*passwordHistory)(nil), (*token)(nil), (*backupCode)(nil), (*appPassword)(nil), (*throttle)(nil)}
	return []store.Migration{{
		Name: "20261130120000_identity",
		Up: func(ctx context.Context, tx bun.Tx) error {
			for _, model := range tables {
				q := tx.NewCreateTable().Model(model)
				if _, isUser := model.(*user); !isUser {
					if _, isThrottle := model.(*throttle); !isThrottle {
						q = q.ForeignKey("(user_id) REFERENCES users (id) ON DELETE CASCADE")
					}
				}
				if _, err := q.Exec(ctx); err != nil {
					return err
				}
			}
			for _, ix := range []struct {
				model any
				name  string
				cols  []string
			}{
				{(*passwordHistory)(nil), "password_history_user", []string{"user_id", "id"}},
				{(*token)(nil), "user_tokens_user", []string{"user_id", "purpose"}},
				{(*backupCode)(nil), "backup_codes_user", []string{"user_id", "digest"}},
				{(*appPassword)(nil), "app_passwords_user", []string{"user_id"}},
				{(*session)(nil), "sessions_user", []string{"user_id"}},
			} {
				if _, err := tx.NewCreateIndex().Model(ix.model).Index(ix.name).Column(ix.cols...).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		},
		Down: store.DropTables(tables...),
	}, feedMigration(), {
		// A new authenticator waits beside the old one until a code confirms it.
		Name: "20261207090000_totp_pending",
		Up:   store.AddColumns("users", "totp_pending TEXT NOT NULL DEFAULT ''", "totp_pending_until TIMESTAMP"),
		Down: store.DropColumns("users", "totp_pending", "totp_pending_until"),
	}, {
		// A new sign-in address waits for its mailbox; links belong to the
		// organisation that sent them.
		Name: "20261207110000_pending_email_token_organisation",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if err := store.AddColumns("users", "pending_email TEXT NOT NULL DEFAULT ''")(ctx, tx); err != nil {
				return err
			}
			return store.AddColumns("user_tokens", "organisation_id BIGINT NOT NULL DEFAULT 0")(ctx, tx)
		},
		Down: func(ctx context.Context, tx bun.Tx) error {
			if err := store.DropColumns("users", "pending_email")(ctx, tx); err != nil {
				return err
			}
			return store.DropColumns("user_tokens", "organisation_id")(ctx, tx)
		},
	}, {
		// A link works only while the address it was mailed to is the
		// account's. (A database made while this column was briefly part of
		// the migration before has it already.)
		Name: "20261207130000_token_email",
		Up: func(ctx context.Context, tx bun.Tx) error {
			has, err := store.ColumnExists(ctx, tx, "user_tokens", "email")
			if err != nil || has {
				return err
			}
			if err := store.AddColumns("user_tokens", "email TEXT NOT NULL DEFAULT ''")(ctx, tx); err != nil {
				return err
			}
			// Links sent before went to the account's address of the time.
			_, err = tx.ExecContext(ctx, "UPDATE user_tokens SET email = (SELECT email FROM users WHERE users.id = user_tokens.user_id)")
			return err
		},
		Down: store.DropColumns("user_tokens", "email"),
	}}
}
