package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/secrets"
)

// Purposes of single-use links.
const (
	purposeInvitation = "invitation"
	purposeReset      = "reset"
	purposeAddress    = "address" // confirms a new sign-in address from its mailbox
)

// userToken is a single-use link; only the SHA-256 of the token is stored.
type userToken struct {
	bun.BaseModel `bun:"table:user_tokens"`

	Hash    string `bun:"hash,pk"`
	UserID  int64  `bun:"user_id,notnull"`
	Purpose string `bun:"purpose,notnull"`
	// OrganisationID is the organisation a link was sent for (its
	// invitation, its administrator's address change); 0 for none.
	OrganisationID int64      `bun:"organisation_id,notnull"`
	ExpiresAt      time.Time  `bun:"expires_at,notnull"`
	UsedAt         *time.Time `bun:"used_at"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
}

// newToken voids the person's earlier links of the same purpose for the
// same organisation and makes a new one, returning the token to put in the
// link. Two organisations inviting one address each keep their own link.
func (s *Service) newToken(ctx context.Context, db bun.IDB, userID, orgID int64, purpose string, valid time.Duration) (string, error) {
	now := s.Now().UTC()
	if _, err := db.NewUpdate().Model((*userToken)(nil)).Set("used_at = ?", now).
		Where("user_id = ?", userID).Where("purpose = ?", purpose).Where("organisation_id = ?", orgID).
		Where("used_at IS NULL").Exec(ctx); err != nil {
		return "", err
	}
	token := secrets.Token(32)
	t := &userToken{Hash: secrets.Hash(token), UserID: userID, Purpose: purpose, OrganisationID: orgID, ExpiresAt: now.Add(valid), CreatedAt: now}
	_, err := db.NewInsert().Model(t).Exec(ctx)
	return token, err
}

// lookToken finds a link's account without using it up.
func (s *Service) lookToken(ctx context.Context, db bun.IDB, token, purpose string) (*userToken, error) {
	t := new(userToken)
	err := db.NewSelect().Model(t).Where("hash = ?", secrets.Hash(token)).Where("purpose = ?", purpose).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, ErrLinkInvalid
	case err != nil:
		return nil, err
	case t.UsedAt != nil:
		return nil, ErrLinkUsed
	case s.Now().After(t.ExpiresAt):
		return nil, ErrLinkExpired
	}
	return t, nil
}

// voidTokens ends every link of the person's still open: links went to an
// address that is no longer theirs.
func (s *Service) voidTokens(ctx context.Context, db bun.IDB, userID int64) error {
	_, err := db.NewUpdate().Model((*userToken)(nil)).Set("used_at = ?", s.Now().UTC()).
		Where("user_id = ?", userID).Where("used_at IS NULL").Exec(ctx)
	return err
}

// useToken marks a link used, once: of two simultaneous uses one wins.
func (s *Service) useToken(ctx context.Context, db bun.IDB, t *userToken) error {
	res, err := db.NewUpdate().Model((*userToken)(nil)).Set("used_at = ?", s.Now().UTC()).
		Where("hash = ?", t.Hash).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrLinkUsed
	}
	return nil
}
