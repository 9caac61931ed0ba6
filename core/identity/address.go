package identity

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
)

// A sign-in address is a key to the account: whoever holds its mailbox can
// reset the password, and other organisations' invitations to the address
// go to the account. So an administrator's new address for someone takes
// effect only when its mailbox confirms it: otherwise one tenant could put
// another tenant's person's address on an account of its own and receive
// their invitations. Every open link (invitations, resets) and every
// invitation to join went to the old address, and ends then. (Someone who
// has not set up their account is no member yet: an organisation corrects
// a mistyped address by withdrawing its invitation and inviting again.)

// addressValidity is how long a new address waits for its confirmation.
const addressValidity = 72 * time.Hour

// ChangeEmail asks for a new sign-in address for a person, by an
// administrator of org who looks after the account (or the operator): it
// mails a confirmation link to the new address and tells the old one.
// Nothing else changes until the link is used (ConfirmEmail).
func (s *Service) ChangeEmail(ctx context.Context, actor *User, org *tenancy.Organisation, userID int64, newEmail, ip string) error {
	inv := &Invalid{}
	email := checkEmail(inv, "email", newEmail)
	if err := inv.orNil(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := s.lookAfter(ctx, tx, actor, org.ID, userID); err != nil {
			return err
		}
		u, err := s.find(ctx, tx, "id = ?", userID)
		if err != nil {
			return err
		}
		// An address another account has reads the same to the asker (the
		// answer would tell a tenant who has an account anywhere); its
		// mailbox gets no link, and a link could not be confirmed anyway.
		taken, err := addressTaken(ctx, tx, email)
		if err != nil {
			return err
		}
		u.PendingEmail = email
		if _, err := tx.NewUpdate().Model(u).Column("pending_email").WherePK().Exec(ctx); err != nil {
			return err
		}
		// Only the newest change waits: an earlier one's link ends.
		if _, err := tx.NewUpdate().Model((*userToken)(nil)).Set("used_at = ?", s.Now().UTC()).
			Where("user_id = ? AND purpose = ? AND used_at IS NULL", u.ID, purposeAddress).Exec(ctx); err != nil {
			return err
		}
		// The link remembers whose change it is: the organisation's (its
		// administrators must still look after the account when the link
		// is used), or the operator's (0).
		asker := org.ID
		if actor != nil && actor.Operator {
			asker = 0
		}
		token, err := s.newToken(ctx, tx, u.ID, asker, purposeAddress, email, addressValidity)
		if err != nil {
			return err
		}
		data := map[string]any{"Name": u.GivenName, "Organisation": org.Name, "NewAddress": email,
			"Link": s.link("/address/" + token), "Hours": int(addressValidity / time.Hour)}
		if s.hooks.BrandColour != nil {
			data["Colour"] = s.hooks.BrandColour(ctx, org.ID)
		}
		if !taken {
			if err := s.mail.Queue(ctx, email, u.Locale, "address_confirm", data); err != nil {
				return err
			}
		}
		if err := s.mail.Queue(ctx, u.Email, u.Locale, "address_change_asked", data); err != nil {
			return err
		}
		return record(ctx, tx, "identity.email_change_asked", actor, userID, ip, u.Email+" → "+email)
	})
}

// AddressChange finds the account and the new address a confirmation link
// is for.
func (s *Service) AddressChange(ctx context.Context, token string) (*User, error) {
	_, u, err := s.openLink(ctx, s.db, token, purposeAddress)
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
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		// The link's address is the one mailed and still the one waiting
		// (useLink), with the account held: a newer change ends the link.
		t, u, err := s.useLink(ctx, tx, token, purposeAddress)
		if err != nil {
			return err
		}
		// Asked for by an organisation that no longer looks after the
		// account alone (it joined another, or a dossier was shared with
		// it, in the days the link waited): the change is no longer theirs.
		if t.OrganisationID != 0 {
			if ok, err := directory.Steward(ctx, tx, t.OrganisationID, u.ID); err != nil {
				return err
			} else if !ok {
				return ErrLinkInvalid
			}
		}
		if err := s.addressFree(ctx, tx, t.Email); err != nil {
			return err
		}
		old := u.Email
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("email = ?", t.Email).Set("pending_email = ''").
			Where("id = ? AND pending_email = ?", u.ID, t.Email).Exec(ctx)
		if store.UniqueViolation(err) {
			return invalid("email", "identity.email.taken") // confirmed for another account at the same moment
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrLinkInvalid
		}
		u.Email, u.PendingEmail = t.Email, ""
		if err := s.forgetAddress(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := s.revokeAccess(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		if err := s.mail.Queue(ctx, old, u.Locale, "address_changed", map[string]any{"Name": u.GivenName, "NewAddress": u.Email}); err != nil {
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
	taken, err := addressTaken(ctx, tx, email)
	if err != nil {
		return err
	}
	if taken {
		return invalid("email", "identity.email.taken")
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

// addressTaken tells whether an account signs in with email.
func addressTaken(ctx context.Context, tx bun.IDB, email string) (bool, error) {
	return tx.NewSelect().Model((*User)(nil)).Where("email = ?", email).Exists(ctx)
}
