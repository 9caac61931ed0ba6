package identity

import (
	"context"
	"errors"
	"time"
)

// SignIn checks an address and password (the first step). Every refusal of a
// wrong address or password reads the same; a locked account is told so only
// after the right password, so nothing reveals whether an account exists.
// device is the browser's device token ("" for none): a browser the account
// knows is throttled on its own and never locked out.
func (s *Service) SignIn(ctx context.Context, email, password, device, ip string) (*User, error) {
	email = NormalizeEmail(email)
	u, err := s.find(ctx, s.db, "email = ?", email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	keys, known := s.attemptKeys("account", u, email, device, ip)
	if err := s.claim(ctx, keys...); err != nil {
		return nil, err
	}
	if u == nil {
		s.hasher.Verify(password, s.dummy) // take as long as a real check
		return nil, ErrBadCredentials
	}
	ok, stale := s.hasher.Verify(password, u.PasswordHash)
	if !ok || u.Status == StatusInvited {
		return nil, s.failed(ctx, u, known, ip)
	}
	if u.Locked() && !known {
		return nil, ErrLocked
	}
	if u.Status == StatusDeactivated {
		return nil, ErrDeactivated
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if stale { // the configured argon2 parameters changed: renew the hash now
			u.PasswordHash = s.hasher.Hash(password)
			if _, err := tx.NewUpdate().Model(u).Column("password_hash").WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		return s.succeeded(ctx, tx, keys...)
	})
	return u, err
}

// failed records a failed step of an existing account for its
// administrators and the audit log. Failures from browsers the account
// does not know lock such sign-ins after LockoutAfter of them, until the
// owner resets the password by mail or an administrator unlocks: the
// owner's own browsers go on working.
func (s *Service) failed(ctx context.Context, u *User, known bool, ip string) error {
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := record(ctx, tx, "identity.sign_in_failed", nil, u.ID, ip, ""); err != nil {
			return err
		}
		if known {
			return nil
		}
		var failures int
		if err := tx.NewRaw("UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = ? RETURNING failed_sign_ins", u.ID).Scan(ctx, &failures); err != nil {
			return err
		}
		if failures >= s.cfg.LockoutAfter && u.LockedAt == nil {
			now := s.Now().UTC()
			if _, err := tx.NewUpdate().Model((*User)(nil)).Set("locked_at = ?", now).Where("id = ?", u.ID).Where("locked_at IS NULL").Exec(ctx); err != nil {
				return err
			}
			return record(ctx, tx, "identity.locked", nil, u.ID, ip, "")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ErrBadCredentials
}

// VerifyCode checks the second step: a code from the authenticator app or an
// unused backup code. Wrong codes are throttled like wrong passwords.
func (s *Service) VerifyCode(ctx context.Context, u *User, code, device, ip string) error {
	keys, known := s.attemptKeys("code", u, u.Email, device, ip)
	if err := s.claim(ctx, keys...); err != nil {
		return err
	}
	if u.Locked() && !known {
		return ErrLocked
	}
	ok, how, err := s.acceptCode(ctx, u, code)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.failed(ctx, u, known, ip); errors.Is(err, ErrBadCredentials) {
			return ErrBadCode
		} else {
			return err
		}
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		now := s.Now().UTC()
		u.LastSignInAt, u.FailedSignIns = &now, 0
		if _, err := tx.NewUpdate().Model(u).Column("last_sign_in_at", "failed_sign_ins").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.succeeded(ctx, tx, keys...); err != nil {
			return err
		}
		return record(ctx, tx, "identity.signed_in", u, u.ID, ip, how)
	})
}

// acceptCode tries the code as a TOTP code, then as a backup code.
func (s *Service) acceptCode(ctx context.Context, u *User, code string) (bool, string, error) {
	secret, err := s.totpSecret(u)
	if err != nil {
		return false, "", err
	}
	if ok, err := s.acceptTOTP(ctx, s.db, u, secret, code, false); ok || err != nil {
		return ok, "totp", err
	}
	ok, err := s.useBackupCode(ctx, u.ID, code)
	return ok, "backup_code", err
}

// SignedIn records a sign-in that needs no second step (when the second factor
// is not required and the person has none).
func (s *Service) SignedIn(ctx context.Context, u *User, ip string) error {
	now := s.Now().UTC()
	u.LastSignInAt = &now
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if _, err := tx.NewUpdate().Model(u).Column("last_sign_in_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, "identity.signed_in", u, u.ID, ip, "password")
	})
}

// ThrottleWait rounds a wait up to whole minutes or seconds for messages.
func ThrottleWait(d time.Duration) (int, string) {
	if d >= time.Minute {
		return int((d + time.Minute - 1) / time.Minute), "minutes"
	}
	return max(1, int(d/time.Second)), "seconds"
}
