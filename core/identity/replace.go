package identity

import (
	"context"
	"strconv"
	"time"
)

// Replacing an authenticator (a new phone) takes a signed-in session and a
// fresh proof: the password and a code of the current authenticator, or a
// backup code. The new secret waits beside the old one, sealed for the one
// session that gave the proof and for a short while, and the old one works
// until a code of the new one confirms it. Someone who lost both the
// authenticator and the backup codes asks an administrator for a reset
// (ResetFactor), which tells the owner by mail.

// replacementValidity is how long a started replacement waits for its code.
const replacementValidity = 15 * time.Minute

// BeginReplacement checks the fresh proof and gives the session a new
// secret to set up. Attempts are throttled per account.
func (s *Service) BeginReplacement(ctx context.Context, u *User, sessionID, password, code, ip string) error {
	if !u.TOTPEnabled {
		return ErrNoReplacement // nothing to replace: the set-up page is theirs
	}
	key := "replace:" + strconv.FormatInt(u.ID, 10)
	if err := s.claim(ctx, key); err != nil {
		return err
	}
	if ok, _ := s.hasher.Verify(password, u.PasswordHash); !ok {
		return invalid("password", "identity.password.current_wrong")
	}
	ok, how, err := s.acceptCode(ctx, u, code)
	if err != nil {
		return err
	}
	if !ok {
		return invalid("current_code", "account.code.wrong")
	}
	secret, err := newTOTPSecret("Atrium", u.Email)
	if err != nil {
		return err
	}
	until := s.Now().Add(replacementValidity).UTC()
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		u.TOTPPending, u.TOTPPendingUntil = s.box.Seal(pendingPurpose(u.ID, sessionID), []byte(secret)), &until
		if _, err := tx.NewUpdate().Model(u).Column("totp_pending", "totp_pending_until").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.succeeded(ctx, tx, key); err != nil {
			return err
		}
		return record(ctx, tx, "identity.factor_replacement_started", u, u.ID, ip, how)
	})
}

// Replacement shows the new secret of a replacement this session started.
func (s *Service) Replacement(ctx context.Context, u *User, sessionID, issuer string) (*Enrolment, error) {
	secret, err := s.pendingSecret(u, sessionID)
	if err != nil {
		return nil, err
	}
	return enrolment(issuer, u.Email, secret)
}

// CompleteReplacement puts the new authenticator in the old one's place
// after a correct code of the new one, makes new backup codes (the old ones
// stop working) and tells the owner by mail.
func (s *Service) CompleteReplacement(ctx context.Context, u *User, sessionID, code, ip string) ([]string, error) {
	secret, err := s.pendingSecret(u, sessionID)
	if err != nil {
		return nil, err
	}
	var codes []string
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		ok, err := s.acceptTOTP(ctx, tx, u, secret, code, true)
		if err != nil {
			return err
		}
		if !ok {
			return ErrBadCode
		}
		sealed := s.box.Seal(totpPurpose(u.ID), []byte(secret))
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("totp_secret = ?", sealed).Set("totp_enabled = ?", true).
			Set("totp_pending = ''").Set("totp_pending_until = NULL").
			Where("id = ?", u.ID).Where("totp_pending = ?", u.TOTPPending).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNoReplacement // replaced or reset meanwhile
		}
		u.TOTPSecret, u.TOTPPending, u.TOTPPendingUntil = sealed, "", nil
		if codes, err = s.newBackupCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := s.mail.Queue(ctx, u.Email, u.Locale, "factor_replaced", map[string]any{"Name": u.GivenName}); err != nil {
			return err
		}
		return record(ctx, tx, "identity.factor_replaced", u, u.ID, ip, "")
	})
	return codes, err
}

// pendingSecret opens the secret waiting to replace the authenticator, for
// the session that started the replacement and while it is fresh.
func (s *Service) pendingSecret(u *User, sessionID string) (string, error) {
	if u.TOTPPending == "" || u.TOTPPendingUntil == nil || s.Now().After(*u.TOTPPendingUntil) {
		return "", ErrNoReplacement
	}
	plain, err := s.box.OpenSealed(pendingPurpose(u.ID, sessionID), u.TOTPPending)
	if err != nil {
		return "", ErrNoReplacement // another session's
	}
	return string(plain), nil
}

func pendingPurpose(userID int64, sessionID string) string {
	return "totp-pending:" + strconv.FormatInt(userID, 10) + ":" + sessionID
}
