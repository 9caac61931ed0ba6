package identity

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/tenancy"
)

// RequestReset mails a single-use link to choose a new password. The caller
// answers the same whether or not the address has an account; someone who
// never accepted their invitation gets a fresh invitation instead. Requests
// are throttled per address like sign-ins.
func (s *Service) RequestReset(ctx context.Context, email, ip string) error {
	email = NormalizeEmail(email)
	// Every request counts, sent or not; a throttled one quietly sends nothing.
	var throttled *Throttled
	if err := s.claim(ctx, "reset:"+email, "address:reset:"+ip); errors.As(err, &throttled) {
		return nil
	} else if err != nil {
		return err
	}
	u, err := s.find(ctx, s.db, "email = ?", email)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Status == StatusDeactivated) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if u.Status == StatusInvited {
			org, err := s.invitingOrganisation(ctx, tx, u.ID)
			if errors.Is(err, tenancy.ErrNotFound) {
				return nil // nothing to set up for: answer as for any address
			}
			if err != nil {
				return err
			}
			return s.sendInvitation(ctx, tx, nil, org, u)
		}
		token, err := s.newToken(ctx, tx, u.ID, 0, purposeReset, u.Email, s.cfg.ResetValidity)
		if err != nil {
			return err
		}
		if err := s.mail.Queue(ctx, u.Email, u.Locale, "password_reset", map[string]any{
			"Name": u.GivenName, "Link": s.link("/reset/" + token), "Minutes": int(s.cfg.ResetValidity / time.Minute),
		}); err != nil {
			return err
		}
		return record(ctx, tx, "identity.reset_requested", nil, u.ID, ip, "")
	})
}

// invitingOrganisation is the organisation whose invitation an account not
// set up yet gets again: its first organisation, or else the one that
// waits for its answer or shares a dossier with it (directory.Expecting);
// tenancy.ErrNotFound when there is none: a withdrawn invitation stays
// withdrawn.
func (s *Service) invitingOrganisation(ctx context.Context, tx bun.IDB, userID int64) (*tenancy.Organisation, error) {
	org, _, err := s.orgs.Home(ctx, userID)
	if !errors.Is(err, tenancy.ErrNotFound) {
		return org, err
	}
	orgID, err := directory.Expecting(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	if orgID == 0 {
		return nil, tenancy.ErrNotFound
	}
	return s.orgs.ByID(ctx, orgID)
}

// ResetAccount finds the account a reset link is for.
func (s *Service) ResetAccount(ctx context.Context, token string) (*User, error) {
	_, u, err := s.openLink(ctx, s.db, token, purposeReset)
	return u, err
}

// ResetPassword sets a new password through a reset link and revokes every
// session, app password and feed address of the account: whoever knew the
// old password is out. The owner proved they hold the mailbox, so a lock
// of sign-ins from unknown browsers is lifted too.
func (s *Service) ResetPassword(ctx context.Context, token, password, confirm, ip string) (*User, error) {
	var done *User
	defer func() {
		if done != nil {
			s.sessionsEnded(ctx, done.ID)
		}
	}()
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		_, u, err := s.useLink(ctx, tx, token, purposeReset) // a refused password rolls the use back
		if err != nil {
			return err
		}
		if err := s.checkNewPassword(ctx, tx, u, password, confirm); err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, u, password); err != nil {
			return err
		}
		if err := s.revokeAccess(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		if err := s.unlock(ctx, tx, u); err != nil {
			return err
		}
		done = u
		return record(ctx, tx, "identity.password_reset", u, u.ID, ip, "")
	})
	return done, err
}

// ChangePassword sets a new password for someone who knows the current one.
// everywhere asks to sign out every other session and revoke the app
// passwords and feed addresses too (the form offers it, ticked); otherwise
// only the other sessions end. Tries of the current password are throttled
// per account.
func (s *Service) ChangePassword(ctx context.Context, u *User, sessionID, current, password, confirm string, everywhere bool, ip string) error {
	key := "password:" + strconv.FormatInt(u.ID, 10)
	if err := s.claim(ctx, key); err != nil {
		return err
	}
	if ok, _ := s.hasher.Verify(current, u.PasswordHash); !ok {
		return invalid("current", "identity.password.current_wrong")
	}
	if err := s.succeeded(ctx, s.db, key); err != nil {
		return err
	}
	defer s.sessionsEnded(ctx, u.ID)
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := s.checkNewPassword(ctx, tx, u, password, confirm); err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, u, password); err != nil {
			return err
		}
		if everywhere {
			if err := s.revokeAccess(ctx, tx, u.ID, sessionID); err != nil {
				return err
			}
		} else if _, err := s.EndSessions(ctx, u.ID, sessionID); err != nil {
			return err
		}
		return record(ctx, tx, "identity.password_changed", u, u.ID, ip, "")
	})
}
