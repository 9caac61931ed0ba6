package identity

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// RequestReset mails a single-use link to choose a new password. The caller
// answers the same whether or not the address has an account; someone who
// never accepted their invitation gets a fresh invitation instead. Requests
// are throttled per address like sign-ins.
func (s *Service) RequestReset(ctx context.Context, email, ip string) error {
	email = NormalizeEmail(email)
	keys := []string{"reset:" + email, "reset-address:" + ip}
	if wait, err := s.waitFor(ctx, keys...); err != nil || wait > 0 {
		return err // a throttled request quietly sends nothing
	}
	if err := s.fail(ctx, keys...); err != nil { // every request counts
		return err
	}
	u, err := s.find(ctx, s.db, "email = ?", email)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Status == StatusDeactivated) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if u.Status == StatusInvited {
			org, _, err := s.orgs.Home(ctx, u.ID)
			if err != nil {
				return err
			}
			return s.sendInvitation(ctx, tx, nil, org, u)
		}
		token, err := s.newToken(ctx, tx, u.ID, purposeReset, s.cfg.ResetValidity)
		if err != nil {
			return err
		}
		if err := s.mail.Queue(ctx, tx, u.Email, u.Locale, "password_reset", map[string]any{
			"Name": u.GivenName, "Link": s.link("/reset/" + token), "Minutes": int(s.cfg.ResetValidity / time.Minute),
		}); err != nil {
			return err
		}
		return record(ctx, tx, "identity.reset_requested", nil, u.ID, ip, "")
	})
}

// ResetAccount finds the account a reset link is for.
func (s *Service) ResetAccount(ctx context.Context, token string) (*User, error) {
	t, err := s.lookToken(ctx, s.db, token, purposeReset)
	if err != nil {
		return nil, err
	}
	return s.find(ctx, s.db, "id = ?", t.UserID)
}

// ResetPassword sets a new password through a reset link and ends every
// session of the account: whoever knew the old password is signed out.
func (s *Service) ResetPassword(ctx context.Context, token, password, confirm, ip string) (*User, error) {
	var done *User
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.lookToken(ctx, tx, token, purposeReset)
		if err != nil {
			return err
		}
		u, err := s.find(ctx, tx, "id = ?", t.UserID)
		if err != nil {
			return err
		}
		if err := s.checkNewPassword(ctx, tx, u, password, confirm); err != nil {
			return err
		}
		if err := s.useToken(ctx, tx, t); err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, u, password); err != nil {
			return err
		}
		if _, err := s.EndSessions(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		done = u
		return record(ctx, tx, "identity.password_reset", u, u.ID, ip, "")
	})
	return done, err
}

// ChangePassword sets a new password for someone who knows the current one,
// and ends their other sessions.
func (s *Service) ChangePassword(ctx context.Context, u *User, sessionID, current, password, confirm, ip string) error {
	if ok, _ := s.hasher.Verify(current, u.PasswordHash); !ok {
		return &Invalid{Fields: map[string]string{"current": "identity.password.current_wrong"}}
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := s.checkNewPassword(ctx, tx, u, password, confirm); err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, u, password); err != nil {
			return err
		}
		if _, err := s.EndSessions(ctx, tx, u.ID, sessionID); err != nil {
			return err
		}
		return record(ctx, tx, "identity.password_changed", u, u.ID, ip, "")
	})
}
