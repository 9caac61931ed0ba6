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

// Purposes of single-use links.
const (
	purposeInvitation = "invitation"
	purposeReset      = "reset"
	purposeAddress    = "address" // confirms a new sign-in address from its mailbox
)

// userToken is a single-use link; only the SHA-256 of the token is stored.
// A link is bound to the address it was mailed to: it works only while
// that is still the account's address (or, for a new address, the one
// waiting for confirmation), so a link that raced an address change, or
// was mailed before it, never opens the account under its new address.
type userToken struct {
	bun.BaseModel `bun:"table:user_tokens"`

	Hash    string `bun:"hash,pk"`
	UserID  int64  `bun:"user_id,notnull"`
	Purpose string `bun:"purpose,notnull"`
	Email   string `bun:"email,notnull"` // the address the link was mailed to
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
func (s *Service) newToken(ctx context.Context, db bun.IDB, userID, orgID int64, purpose, email string, valid time.Duration) (string, error) {
	now := s.Now().UTC()
	if _, err := db.NewUpdate().Model((*userToken)(nil)).Set("used_at = ?", now).
		Where("user_id = ?", userID).Where("purpose = ?", purpose).Where("organisation_id = ?", orgID).
		Where("used_at IS NULL").Exec(ctx); err != nil {
		return "", err
	}
	token := secrets.Token(32)
	t := &userToken{Hash: secrets.Hash(token), UserID: userID, Purpose: purpose, Email: email, OrganisationID: orgID, ExpiresAt: now.Add(valid), CreatedAt: now}
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

// openLink finds a link's account without using the link up, and refuses a
// link mailed to an address that is no longer the one it was for.
func (s *Service) openLink(ctx context.Context, db bun.IDB, token, purpose string) (*userToken, *User, error) {
	t, err := s.lookToken(ctx, db, token, purpose)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.find(ctx, db, "id = ?", t.UserID)
	if err != nil {
		return nil, nil, err
	}
	want := u.Email
	if purpose == purposeAddress {
		want = u.PendingEmail
	}
	if t.Email != want {
		return nil, nil, ErrLinkInvalid
	}
	return t, u, nil
}

// useLink uses a link up within the caller's transaction: the account's row
// is held until the transaction ends (on PostgreSQL; SQLite's writers take
// turns already), so no address change slips between the check of the
// link's address and the change the link makes.
func (s *Service) useLink(ctx context.Context, tx bun.IDB, token, purpose string) (*userToken, *User, error) {
	t, err := s.lookToken(ctx, tx, token, purpose)
	if err != nil {
		return nil, nil, err
	}
	if err := lockUser(ctx, tx, t.UserID); err != nil {
		return nil, nil, err
	}
	t, u, err := s.openLink(ctx, tx, token, purpose)
	if err != nil {
		return nil, nil, err
	}
	if err := s.useToken(ctx, tx, t); err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

// lockUser holds an account's row until the caller's transaction ends (on
// PostgreSQL; store.HoldRow): every change that reads an account's address
// or belongings and then writes on them takes it first, so they queue in
// one order.
func lockUser(ctx context.Context, tx bun.IDB, userID int64) error {
	return store.HoldRow(ctx, tx, "users", userID)
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
