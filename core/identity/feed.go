package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
)

// FeedToken is the secret in a feed address: a calendar app that can only
// subscribe reads one module's feed of one person in one organisation by
// it, without signing in. A person has one per module and organisation;
// making a new one revokes the old.
type FeedToken struct {
	bun.BaseModel `bun:"table:feed_tokens"`

	ID             int64      `bun:"id,pk,autoincrement"`
	UserID         int64      `bun:"user_id,notnull"`
	OrganisationID int64      `bun:"organisation_id,notnull"`
	Module         string     `bun:"module,notnull"`
	Hash           string     `bun:"hash,notnull,unique"` // SHA-256: the token has 192 random bits
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	RevokedAt      *time.Time `bun:"revoked_at"`
}

func feedMigration() store.Migration {
	type feedToken struct {
		bun.BaseModel  `bun:"table:feed_tokens"`
		ID             int64      `bun:"id,pk,autoincrement"`
		UserID         int64      `bun:"user_id,notnull"`
		OrganisationID int64      `bun:"organisation_id,notnull"`
		Module         string     `bun:"module,notnull"`
		Hash           string     `bun:"hash,notnull,unique"`
		CreatedAt      time.Time  `bun:"created_at,notnull"`
		RevokedAt      *time.Time `bun:"revoked_at"`
	}
	return store.Migration{
		Name: "20261230100000_feed_tokens",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*feedToken)(nil)).ForeignKey("(user_id) REFERENCES users (id) ON DELETE CASCADE").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*feedToken)(nil)).Index("feed_tokens_user").Column("user_id", "organisation_id", "module").Exec(ctx)
			return err
		},
		Down: store.DropTables((*feedToken)(nil)),
	}
}

// IssueFeed makes a person's feed token for a module in an organisation,
// revoking the one before; the token is shown once.
func (s *Service) IssueFeed(ctx context.Context, userID, orgID int64, module string) (string, error) {
	plain := secrets.Token(24)
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := revokeFeeds(ctx, tx, userID, orgID, module, s.Now()); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&FeedToken{UserID: userID, OrganisationID: orgID, Module: module, Hash: secrets.Hash(plain), CreatedAt: s.Now().UTC()}).Exec(ctx)
		return err
	})
	return plain, err
}

// RevokeFeed revokes a person's feed token for a module in an organisation.
func (s *Service) RevokeFeed(ctx context.Context, userID, orgID int64, module string) error {
	return revokeFeeds(ctx, s.db, userID, orgID, module, s.Now())
}

func revokeFeeds(ctx context.Context, db bun.IDB, userID, orgID int64, module string, now time.Time) error {
	_, err := db.NewUpdate().Model((*FeedToken)(nil)).Set("revoked_at = ?", now.UTC()).
		Where("user_id = ? AND organisation_id = ? AND module = ? AND revoked_at IS NULL", userID, orgID, module).Exec(ctx)
	return err
}

// Feed is a person's live feed token for a module in an organisation, nil
// when there is none.
func (s *Service) Feed(ctx context.Context, userID, orgID int64, module string) (*FeedToken, error) {
	f := new(FeedToken)
	err := s.db.NewSelect().Model(f).Where("user_id = ? AND organisation_id = ? AND module = ? AND revoked_at IS NULL", userID, orgID, module).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return f, err
}

// CheckFeed finds whose feed a token opens, for the module named; anything
// else (revoked, another module's, a person no longer active) is
// ErrBadCredentials.
func (s *Service) CheckFeed(ctx context.Context, module, plain string) (*User, int64, error) {
	f := new(FeedToken)
	err := s.db.NewSelect().Model(f).Where("hash = ? AND module = ? AND revoked_at IS NULL", secrets.Hash(plain), module).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, ErrBadCredentials
	}
	if err != nil {
		return nil, 0, err
	}
	u, err := s.find(ctx, s.db, "id = ?", f.UserID)
	if err != nil || u.Status != StatusActive {
		return nil, 0, ErrBadCredentials
	}
	return u, f.OrganisationID, nil
}
