package identity

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/directory"
)

// The actions in this file act on a whole account, in every organisation
// it belongs to. An administrator of orgID may take them only where the
// account is theirs alone to look after (directory.Steward); the platform
// operator always may. Each is audited with its actor.

// lookAfter refuses an account-wide action of actor as an administrator of
// orgID, within the action's transaction.
func (s *Service) lookAfter(ctx context.Context, tx bun.IDB, actor *User, orgID, userID int64) error {
	// Held, so that no join or share elsewhere slips in between the check
	// and the action.
	if err := lockUser(ctx, tx, userID); err != nil {
		return err
	}
	if actor != nil && actor.Operator {
		return nil
	}
	ok, err := directory.Steward(ctx, tx, orgID, userID)
	if err != nil {
		return err
	}
	if !ok {
		return directory.ErrNotSteward
	}
	return nil
}

// Unlock lifts a lockout and forgets the failed attempts.
func (s *Service) Unlock(ctx context.Context, actor *User, orgID, userID int64, ip string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := s.lookAfter(ctx, tx, actor, orgID, userID); err != nil {
			return err
		}
		u, err := s.find(ctx, tx, "id = ?", userID)
		if err != nil {
			return err
		}
		if err := s.unlock(ctx, tx, u); err != nil {
			return err
		}
		return record(ctx, tx, "identity.unlocked", actor, userID, ip, "")
	})
}

// unlock lifts a lock of sign-ins from unknown browsers and forgets the
// failures and pauses of the account's keys.
func (s *Service) unlock(ctx context.Context, tx bun.IDB, u *User) error {
	if _, err := tx.NewUpdate().Model((*User)(nil)).Set("locked_at = NULL").Set("failed_sign_ins = 0").Where("id = ?", u.ID).Exec(ctx); err != nil {
		return err
	}
	return s.clear(ctx, tx, "account:"+u.Email, "code:"+u.Email)
}

// ResetFactor removes a person's authenticator and backup codes (they lost
// their phone), revokes whatever opens the account without them (sessions,
// app passwords, feed addresses) and tells them by mail; they set up a new
// authenticator at the next sign-in.
func (s *Service) ResetFactor(ctx context.Context, actor *User, orgID, userID int64, ip string) error {
	defer s.sessionsEnded(ctx, userID)
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := s.lookAfter(ctx, tx, actor, orgID, userID); err != nil {
			return err
		}
		u, err := s.find(ctx, tx, "id = ?", userID)
		if err != nil {
			return err
		}
		// The password goes too: whoever knew it could otherwise set up an
		// authenticator of their own at the next sign-in. The owner proves
		// the mailbox with the link below, then sets up a new one.
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("totp_secret = ''").Set("totp_enabled = ?", false).
			Set("totp_pending = ''").Set("totp_pending_until = NULL").Set("password_hash = ''").Where("id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*backupCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		if err := s.revokeAccess(ctx, tx, userID, ""); err != nil {
			return err
		}
		token, err := s.newToken(ctx, tx, u.ID, 0, purposeReset, u.Email, s.cfg.ResetValidity)
		if err != nil {
			return err
		}
		if err := s.mail.Queue(ctx, u.Email, u.Locale, "factor_reset", map[string]any{"Name": u.GivenName,
			"Link": s.link("/reset/" + token), "Minutes": int(s.cfg.ResetValidity / time.Minute)}); err != nil {
			return err
		}
		return record(ctx, tx, "identity.factor_reset", actor, userID, ip, "")
	})
}

// SetNames corrects a person's name, by an administrator (audited).
func (s *Service) SetNames(ctx context.Context, actor *User, orgID, userID int64, given, prefix, family, ip string) error {
	inv := &Invalid{}
	given, prefix, family = strings.TrimSpace(given), strings.TrimSpace(prefix), strings.TrimSpace(family)
	if given == "" {
		inv.add("given_name", "form.required")
	}
	if family == "" {
		inv.add("family_name", "form.required")
	}
	for field, v := range map[string]string{"given_name": given, "name_prefix": prefix, "family_name": family} {
		if len([]rune(v)) > 100 {
			inv.add(field, "form.too_long")
		}
	}
	if err := inv.orNil(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := s.lookAfter(ctx, tx, actor, orgID, userID); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("given_name = ?", given).Set("name_prefix = ?", prefix).
			Set("family_name = ?", family).Where("id = ?", userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return record(ctx, tx, "identity.name_changed", actor, userID, ip, "")
	})
}
