package identity

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/tenancy"
)

// A sign-in address is a key to the account: whoever holds its mailbox can
// reset the password, and other organisations' invitations to the address
// go to the account. So an administrator's new address for someone takes
// effect only when its mailbox confirms it: otherwise one tenant could put
// another tenant's person's address on an account of its own and receive
// their invitations. An account not set up yet has nothing to take over:
// its address changes at once, and its new invitation link is the
// confirmation. Either way every open link (invitations, resets) and every
// invitation to join went to the old address, and ends.

// addressValidity is how long a new address waits for its confirmation.
const addressValidity = 72 * time.Hour

// ChangeEmail gives a person a new sign-in address, by an administrator
// of orgID who looks after the account (or the operator). For an account
// set up already it mails a confirmation link to the new address and tells
// the old one, and pending is true: nothing else changes until the link is
// used (ConfirmEmail). For one not set up yet it changes the address and
// sends a new invitation in orgID's name there.
func (s *Service) ChangeEmail(ctx context.Context, actor *User, org *tenancy.Organisation, userID int64, newEmail, ip string) (pending bool, err error) {
	inv := &Invalid{}
	email := checkEmail(inv, "email", newEmail)
	if err := inv.orNil(); err != nil {
		return false, err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := s.lookAfter(ctx, tx, actor, org.ID, userID); err != nil {
			return err
		}
		u, err := s.find(ctx, tx, "id = ?", userID)
		if err != nil {
			return err
		}
		if err := s.addressFree(ctx, tx, email); err != nil {
			return err
		}
		if u.Status == StatusInvited {
			if err := s.forgetAddress(ctx, tx, u.ID); err != nil {
				return err
			}
			old := u.Email
			u.Email = email
			if _, err := tx.NewUpdate().Model(u).Column("email").WherePK().Exec(ctx); err != nil {
				return err
			}
			if err := s.sendInvitation(ctx, tx, actor, org, u); err != nil {
				return err
			}
			return record(ctx, tx, "identity.email_changed", actor, userID, ip, old+" → "+email)
		}
		pending = true
		u.PendingEmail = email
		if _, err := tx.NewUpdate().Model(u).Column("pending_email").WherePK().Exec(ctx); err != nil {
			return err
		}
		// Only the newest change waits: an earlier one's link ends.
		if _, err := tx.NewUpdate().Model((*userToken)(nil)).Set("used_at = ?", s.Now().UTC()).
			Where("user_id = ? AND purpose = ? AND used_at IS NULL", u.ID, purposeAddress).Exec(ctx); err != nil {
			return err
		}
		token, err := s.newToken(ctx, tx, u.ID, org.ID, purposeAddress, addressValidity)
		if err != nil {
			return err
		}
		data := map[string]any{"Name": u.GivenName, "Organisation": org.Name, "NewAddress": email,
			"Link": s.link("/address/" + token), "Hours": int(addressValidity / time.Hour)}
		if s.BrandColour != nil {
			data["Colour"] = s.BrandColour(ctx, org.ID)
		}
		if err := s.mail.Queue(ctx, tx, email, u.Locale, "address_confirm", data); err != nil {
			return err
		}
		if err := s.mail.Queue(ctx, tx, u.Email, u.Locale, "address_change_asked", data); err != nil {
			return err
		}
		return record(ctx, tx, "identity.email_change_asked", actor, userID, ip, u.Email+" → "+email)
	})
	return pending, err
}

// AddressChange finds the account and the new address a confirmation link
// is for.
func (s *Service) AddressChange(ctx context.Context, token string) (*User, error) {
	t, err := s.lookToken(ctx, s.db, token, purposeAddress)
	if err != nil {
		return nil, err
	}
	u, err := s.find(ctx, s.db, "id = ?", t.UserID)
	if err == nil && u.PendingEmail == "" {
		return nil, ErrLinkInvalid
	}
	return u, err
}

// ConfirmEmail makes the address a confirmation link was mailed to the
// account's sign-in address. Whoever held the old one is out: sessions,
// app passwords and feed addresses are revoked, and the old address is
// told.
func (s *Service) ConfirmEmail(ctx context.Context, token, ip string) (*User, error) {
	var done *User
	defer func() {
		if done != nil {
			s.sessionsEnded(ctx, done.ID)
		}
	}()
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.lookToken(ctx, tx, token, purposeAddress)
		if err != nil {
			return err
		}
		u, err := s.find(ctx, tx, "id = ?", t.UserID)
		if err != nil {
			return err
		}
		if u.PendingEmail == "" {
			return ErrLinkInvalid
		}
		if err := s.addressFree(ctx, tx, u.PendingEmail); err != nil {
			return err
		}
		old := u.Email
		u.Email, u.PendingEmail = u.PendingEmail, ""
		if _, err := tx.NewUpdate().Model(u).Column("email", "pending_email").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.forgetAddress(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := s.revokeAccess(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		if err := s.mail.Queue(ctx, tx, old, u.Locale, "address_changed", map[string]any{"Name": u.GivenName, "NewAddress": u.Email}); err != nil {
			return err
		}
		done = u
		return record(ctx, tx, "identity.email_changed", u, u.ID, ip, old+" → "+u.Email)
	})
	return done, err
}

// addressFree refuses an address that is an account's. Two changes waiting
// for the same address are settled by whichever mailbox confirms first.
func (s *Service) addressFree(ctx context.Context, tx bun.IDB, email string) error {
	taken, err := tx.NewSelect().Model((*User)(nil)).Where("email = ?", email).Exists(ctx)
	if err != nil {
		return err
	}
	if taken {
		return &Invalid{Fields: map[string]string{"email": "identity.email.taken"}}
	}
	return nil
}

// forgetAddress ends what went to the account's address so far: its open
// links, its invitations to join, a change waiting for confirmation.
func (s *Service) forgetAddress(ctx context.Context, tx bun.IDB, userID int64) error {
	if err := s.voidTokens(ctx, tx, userID); err != nil {
		return err
	}
	if _, err := tx.NewUpdate().Model((*User)(nil)).Set("pending_email = ''").Where("id = ?", userID).Exec(ctx); err != nil {
		return err
	}
	return tenancy.DropInvitations(ctx, tx, userID)
}
