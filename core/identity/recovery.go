package identity

import (
	"context"

	"github.com/uptrace/bun"
)

// revokeAccess ends everything that opens the account without its
// password and second step: every session but keep (which may be ""), its
// app passwords and its feed addresses. Recovery does this (a password
// reset, an administrator's reset of the second step, a new sign-in
// address): whoever held the old secrets, or a session made with them, is
// out. It runs in the recovery's transaction; the mail telling the owner is
// the recovery's own.
func (s *Service) revokeAccess(ctx context.Context, tx bun.IDB, userID int64, keep string) error {
	if _, err := s.EndSessions(ctx, userID, keep); err != nil {
		return err
	}
	now := s.Now().UTC()
	if _, err := tx.NewUpdate().Model((*AppPassword)(nil)).Set("revoked_at = ?", now).
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewUpdate().Model((*FeedToken)(nil)).Set("revoked_at = ?", now).
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Exec(ctx)
	return err
}
