package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Invitee is what the person who invites fills in.
type Invitee struct {
	Email, GivenName, NamePrefix, FamilyName, Locale string
	Role                                             access.Role
}

// Invite creates an account in org with the given role and mails a
// single-use link to choose a password. An account someone already owns
// joins only with its owner's consent: it is asked by mail and in the
// portal (tenancy.Invitation), and the organisation sees it as invited
// until then; member tells which it was. The account, membership or
// invitation, link, mail and audit entry are written together.
func (s *Service) Invite(ctx context.Context, inviter *User, org *tenancy.Organisation, in Invitee, ip string) (invited *User, member bool, err error) {
	inv := &Invalid{}
	email := checkEmail(inv, "email", in.Email)
	if strings.TrimSpace(in.GivenName) == "" {
		inv.add("given_name", "form.required")
	}
	if strings.TrimSpace(in.FamilyName) == "" {
		inv.add("family_name", "form.required")
	}
	for field, v := range map[string]string{"given_name": in.GivenName, "name_prefix": in.NamePrefix, "family_name": in.FamilyName} {
		if len([]rune(strings.TrimSpace(v))) > 100 {
			inv.add(field, "form.too_long")
		}
	}
	if !access.IsBuiltIn(in.Role) && !access.IsCustom(in.Role) {
		inv.add("role", "form.choose")
	}
	if in.Locale == "" {
		in.Locale = org.Locale
	}
	if err := inv.orNil(); err != nil {
		return nil, false, err
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		invited, member, err = s.invite(ctx, tx, inviter, org, in, email, ip)
		return err
	})
	return invited, member, err
}

// InviteIn invites within the caller's transaction, for a change that
// invites as one of its steps (a dossier's first trajectory); member tells
// whether the account is a member now or was asked to join. Someone who is
// already a member comes back with ErrAlreadyMember, someone already asked
// with ErrAlreadyInvited.
func (s *Service) InviteIn(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, in Invitee, ip string) (*User, bool, error) {
	inv := &Invalid{}
	email := checkEmail(inv, "email", in.Email)
	if err := inv.orNil(); err != nil {
		return nil, false, err
	}
	if in.Locale == "" {
		in.Locale = org.Locale
	}
	return s.invite(ctx, tx, inviter, org, in, email, ip)
}

// InviteGuestIn gives someone without an account one that belongs to no
// organisation, within the caller's transaction, and mails the invitation
// in org's name: a person a dossier is shared with. Someone who has an
// account keeps it and gets no mail.
func (s *Service) InviteGuestIn(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, email, ip string) (*User, error) {
	inv := &Invalid{}
	email = checkEmail(inv, "email", email)
	if err := inv.orNil(); err != nil {
		return nil, err
	}
	u, err := s.find(ctx, tx, "email = ?", email)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return u, err
	}
	u = &User{Email: email, Locale: org.Locale, TimeZone: org.TimeZone, Status: StatusInvited, CreatedAt: s.Now().UTC()}
	if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
		return nil, err
	}
	if err := s.sendInvitation(ctx, tx, inviter, org, u); err != nil {
		return nil, err
	}
	return u, record(ctx, tx, "identity.invited", inviter, u.ID, ip, "guest")
}

func (s *Service) invite(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, in Invitee, email, ip string) (*User, bool, error) {
	u, err := s.find(ctx, tx, "email = ?", email)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, false, err
	default:
		member, err := tenancy.IsMember(ctx, tx, org.ID, u.ID)
		if err != nil {
			return nil, false, err
		}
		if member {
			return u, true, ErrAlreadyMember
		}
		return u, false, s.askToJoin(ctx, tx, inviter, org, u, in, ip)
	}
	u = &User{Email: email, GivenName: strings.TrimSpace(in.GivenName), NamePrefix: strings.TrimSpace(in.NamePrefix),
		FamilyName: strings.TrimSpace(in.FamilyName), Locale: in.Locale, TimeZone: org.TimeZone,
		Status: StatusInvited, CreatedAt: s.Now().UTC()}
	if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
		return nil, false, err
	}
	if err := s.orgs.CheckRoom(ctx, tx, org.ID); err != nil {
		return nil, false, err
	}
	if err := tenancy.AddMember(ctx, tx, org.ID, u.ID, in.Role); err != nil {
		return nil, false, err
	}
	if err := s.sendInvitation(ctx, tx, inviter, org, u); err != nil {
		return nil, false, err
	}
	return u, true, record(ctx, tx, "identity.invited", inviter, u.ID, ip, string(in.Role))
}

// askToJoin asks the owner of an existing account to join org: an
// invitation, bound to the account's address, that they accept or decline.
// The owner of an account already set up answers at /invitations (a mail
// says so); one still to be set up gets the organisation's own invitation
// link, whose use is the answer (and which leaves other organisations'
// links working).
func (s *Service) askToJoin(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, u *User, in Invitee, ip string) error {
	inv := &tenancy.Invitation{OrganisationID: org.ID, UserID: u.ID, Role: in.Role, Email: u.Email, GivenName: strings.TrimSpace(in.GivenName),
		NamePrefix: strings.TrimSpace(in.NamePrefix), FamilyName: strings.TrimSpace(in.FamilyName), CreatedAt: s.Now().UTC()}
	name := org.Name
	if inviter != nil {
		inv.InvitedBy, name = &inviter.ID, inviter.Name()
	}
	if err := tenancy.Invite(ctx, tx, inv); errors.Is(err, tenancy.ErrAlreadyInvited) {
		return ErrAlreadyInvited
	} else if err != nil {
		return err
	}
	if u.Status == StatusInvited {
		if err := s.sendInvitation(ctx, tx, inviter, org, u); err != nil {
			return err
		}
	} else {
		data := map[string]any{"Name": u.GivenName, "Inviter": name, "Organisation": org.Name, "Link": s.link("/invitations")}
		if s.BrandColour != nil {
			data["Colour"] = s.BrandColour(ctx, org.ID)
		}
		if err := s.mail.Queue(ctx, tx, u.Email, u.Locale, "membership_invitation", data); err != nil {
			return err
		}
	}
	return record(ctx, tx, "identity.asked_to_join", inviter, u.ID, ip, string(in.Role))
}

// ResendInvitation sends a fresh link of org to someone who has not set up
// their account yet; org's earlier link stops working.
func (s *Service) ResendInvitation(ctx context.Context, actor *User, org *tenancy.Organisation, userID int64, ip string) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := s.find(ctx, tx, "id = ?", userID)
		if err != nil {
			return err
		}
		if u.Status != StatusInvited {
			return ErrAlreadyMember
		}
		if err := s.sendInvitation(ctx, tx, actor, org, u); err != nil {
			return err
		}
		return record(ctx, tx, "identity.invitation_resent", actor, u.ID, ip, "")
	})
}

func (s *Service) sendInvitation(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, u *User) error {
	token, err := s.newToken(ctx, tx, u.ID, org.ID, purposeInvitation, s.cfg.InvitationValidity)
	if err != nil {
		return err
	}
	name := org.Name
	if inviter != nil {
		name = inviter.Name()
	}
	data := map[string]any{
		"Name": u.GivenName, "Inviter": name, "Organisation": org.Name,
		"Link": s.link("/invitation/" + token), "Hours": int(s.cfg.InvitationValidity / time.Hour),
	}
	if s.BrandColour != nil {
		data["Colour"] = s.BrandColour(ctx, org.ID)
	}
	return s.mail.Queue(ctx, tx, u.Email, u.Locale, "invitation", data)
}

// Invitation finds the account an invitation link is for, and the
// organisation that sent it.
func (s *Service) Invitation(ctx context.Context, token string) (*User, int64, error) {
	t, err := s.lookToken(ctx, s.db, token, purposeInvitation)
	if err != nil {
		return nil, 0, err
	}
	u, err := s.find(ctx, s.db, "id = ?", t.UserID)
	return u, t.OrganisationID, err
}

// AcceptInvitation sets the first password and records that the terms were
// accepted; the link is used up. Using the link of an organisation that
// asked the account to join is the owner's yes to it (when it has room;
// otherwise the question waits at /invitations). The mailbox is proven, so
// a lock of sign-ins from unknown browsers is lifted. Nothing changes when
// anything is refused.
func (s *Service) AcceptInvitation(ctx context.Context, token, password, confirm string, terms bool, ip string) (*User, error) {
	var accepted *User
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.lookToken(ctx, tx, token, purposeInvitation)
		if err != nil {
			return err
		}
		u, err := s.find(ctx, tx, "id = ?", t.UserID)
		if err != nil {
			return err
		}
		err = s.checkNewPassword(ctx, tx, u, password, confirm)
		inv, _ := err.(*Invalid)
		if err != nil && inv == nil {
			return err
		}
		if !terms {
			if inv == nil {
				inv = &Invalid{}
			}
			inv.add("terms", "identity.invitation.terms_required")
		}
		if inv != nil {
			return inv
		}
		if err := s.useToken(ctx, tx, t); err != nil {
			return err
		}
		if err := s.setPassword(ctx, tx, u, password); err != nil {
			return err
		}
		now := s.Now().UTC()
		u.Status, u.TermsAcceptedAt = StatusActive, &now
		if _, err := tx.NewUpdate().Model(u).Column("status", "terms_accepted_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.unlock(ctx, tx, u); err != nil {
			return err
		}
		if t.OrganisationID != 0 {
			_, err := s.orgs.AcceptIn(ctx, tx, u.ID, t.OrganisationID)
			if err != nil && !errors.Is(err, tenancy.ErrNoInvitation) && !errors.Is(err, tenancy.ErrPlanLimit) {
				return err
			}
		}
		accepted = u
		return record(ctx, tx, "identity.invitation_accepted", u, u.ID, ip, "")
	})
	return accepted, err
}
