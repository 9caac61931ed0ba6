package identity

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// passwordHistory remembers previous password hashes, so that a new password
// differs from the last few.
type passwordHistory struct {
	bun.BaseModel `bun:"table:password_history"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id,notnull"`
	Hash      string    `bun:"hash,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// checkNewPassword applies the whole policy, the history included, and
// returns an *Invalid naming the broken rules.
func (s *Service) checkNewPassword(ctx context.Context, db bun.IDB, u *User, password, confirm string) error {
	inv := &Invalid{}
	broken := Failed(s.policy.Check(password, u.Email))
	if len(broken) == 0 && s.reused(ctx, db, u.ID, password) {
		broken = append(broken, Rule{ID: "history", Args: map[string]any{"Count": s.cfg.PasswordHistory}})
	}
	if len(broken) > 0 {
		inv.Rules = broken
		inv.add("password", "identity.password.weak")
	}
	if password != confirm {
		inv.add("confirm", "identity.password.mismatch")
	}
	return inv.orNil()
}

// reused tells whether password is one of the last PasswordHistory ones.
func (s *Service) reused(ctx context.Context, db bun.IDB, userID int64, password string) bool {
	var hashes []string
	err := db.NewSelect().Model((*passwordHistory)(nil)).Column("hash").Where("user_id = ?", userID).
		Order("id DESC").Limit(int64(s.cfg.PasswordHistory)).Scan(ctx, &hashes)
	if err != nil {
		return false
	}
	for _, h := range hashes {
		if ok, _ := s.hasher.Verify(password, h); ok {
			return true
		}
	}
	return false
}

// setPassword stores a new hash and remembers it in the history.
func (s *Service) setPassword(ctx context.Context, db bun.IDB, u *User, password string) error {
	now := s.Now().UTC()
	u.PasswordHash, u.PasswordChangedAt = s.hasher.Hash(password), &now
	if _, err := db.NewUpdate().Model(u).Column("password_hash", "password_changed_at").WherePK().Exec(ctx); err != nil {
		return err
	}
	_, err := db.NewInsert().Model(&passwordHistory{UserID: u.ID, Hash: u.PasswordHash, CreatedAt: now}).Exec(ctx)
	return err
}
