package identity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Invitee is what the person who invites fills in.
type Invitee struct {
	Email, GivenName, NamePrefix, FamilyName, Locale string
	Role                                             access.Role
}

// Invite asks the person with the address to join org with the given role
// (tenancy.Invitation); nobody becomes a member without their own yes. An
// address without an account gets one, not set up yet, and a link of
// org's to set it up: using it is the yes. The owner of an account set up
// already answers at /invitations, and a mail says so. Either way the
// organisation sees the person as invited, with the names it typed, and
// reaches nothing of the account until then, and it cannot tell which of
// the two it was. Someone who is a member already comes back with
// ErrAlreadyMember, someone asked already with ErrAlreadyInvited. The
// account, invitation, link, mail and audit entry are written together.
func (s *Service) Invite(ctx context.Context, inviter *User, org *tenancy.Organisation, in Invitee, ip string) (*User, error) {
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
		return nil, err
	}
	var invited *User
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		var err error
		if invited, err = s.invite(ctx, tx, inviter, org, in, email, ip); err != nil {
			return err
		}
		if s.hooks.Emit == nil {
			return nil
		}
		payload, err := json.Marshal(map[string]any{"person_id": invited.ID, "role": in.Role})
		if err != nil {
			return err
		}
		var actor int64
		if inviter != nil {
			actor = inviter.ID
		}
		return s.hooks.Emit(ctx, org.ID, actor, "core", "person.invited", payload)
	})
	return invited, err
}

// InviteAs is Invite by someone holding by in the organisation whose
// lineage (nearest first) is given: the role must be one of the tree's, and
// one they may give (access.ErrBeyondOwnRights otherwise).
func (s *Service) InviteAs(ctx context.Context, by access.Set, lineage []int64, inviter *User, org *tenancy.Organisation, in Invitee, ip string) (*User, error) {
	switch err := s.mayGive(ctx, by, in.Role, lineage); {
	case errors.Is(err, access.ErrNotFound):
		in.Role = "" // no role of this tree: refused with the other fields
	case err != nil:
		return nil, err
	}
	return s.Invite(ctx, inviter, org, in, ip)
}

// InviteIn is Invite within the transaction ctx carries, for a change that
// invites as one of its steps (a dossier's first trajectory).
func (s *Service) InviteIn(ctx context.Context, inviter *User, org *tenancy.Organisation, in Invitee, ip string) (*User, error) {
	inv := &Invalid{}
	email := checkEmail(inv, "email", in.Email)
	if err := inv.orNil(); err != nil {
		return nil, err
	}
	if in.Locale == "" {
		in.Locale = org.Locale
	}
	return s.invite(ctx, s.db.In(ctx), inviter, org, in, email, ip)
}

// InviteGuestIn gives someone without an account one that belongs to no
// organisation, within the transaction ctx carries, and mails the
// invitation in org's name: a person a dossier is shared with. Someone who
// has an account keeps it and gets no mail.
func (s *Service) InviteGuestIn(ctx context.Context, inviter *User, org *tenancy.Organisation, email, ip string) (*User, error) {
	tx := s.db.In(ctx)
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
	_, err = tx.NewInsert().Model(u).Exec(ctx)
	if store.UniqueViolation(err) { // invited or shared with elsewhere at the same moment
		return nil, invalid("email", "identity.email.busy")
	}
	if err != nil {
		return nil, err
	}
	if err := s.sendInvitation(ctx, tx, inviter, org, u); err != nil {
		return nil, err
	}
	return u, record(ctx, tx, "identity.invited", inviter, u.ID, ip, "guest")
}

func (s *Service) invite(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, in Invitee, email, ip string) (*User, error) {
	// Held: an address being confirmed for an account meanwhile is seen
	// as it ends up, so the question never lands on an account whose
	// address just changed.
	u := new(User)
	err := store.Held(tx, tx.NewSelect().Model(u).Where("email = ?", email)).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		u = nil
	case err != nil:
		return nil, err
	default:
		member, err := tenancy.IsMember(ctx, tx, org.ID, u.ID)
		if err != nil {
			return nil, err
		}
		if member {
			return u, ErrAlreadyMember
		}
	}
	// A full subscription says so now; accepting checks again.
	if err := s.orgs.CheckRoom(ctx, org.ID); err != nil {
		return nil, err
	}
	if u == nil {
		u = &User{Email: email, GivenName: strings.TrimSpace(in.GivenName), NamePrefix: strings.TrimSpace(in.NamePrefix),
			FamilyName: strings.TrimSpace(in.FamilyName), Locale: in.Locale, TimeZone: org.TimeZone,
			Status: StatusInvited, CreatedAt: s.Now().UTC()}
		_, err := tx.NewInsert().Model(u).Exec(ctx)
		if store.UniqueViolation(err) { // another organisation invited the address at the same moment
			return nil, invalid("email", "identity.email.busy")
		}
		if err != nil {
			return nil, err
		}
	}
	return u, s.askToJoin(ctx, tx, inviter, org, u, in, ip)
}

// askToJoin asks the owner of an account to join org: an invitation,
// bound to the account's address, that they accept or decline. The owner
// of an account set up already answers at /invitations (a mail says so);
// one still to be set up gets the organisation's own invitation link,
// whose use is the answer (and which leaves other organisations' links
// working).
func (s *Service) askToJoin(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, u *User, in Invitee, ip string) error {
	inv := &tenancy.Invitation{OrganisationID: org.ID, UserID: u.ID, Role: in.Role, Email: u.Email, GivenName: strings.TrimSpace(in.GivenName),
		NamePrefix: strings.TrimSpace(in.NamePrefix), FamilyName: strings.TrimSpace(in.FamilyName), CreatedAt: s.Now().UTC()}
	if inviter != nil {
		inv.InvitedBy = &inviter.ID
	}
	err := tenancy.Invite(ctx, tx, inv)
	if errors.Is(err, tenancy.ErrAlreadyInvited) {
		return ErrAlreadyInvited
	}
	if err != nil {
		return err
	}
	if u.Status == StatusInvited {
		err = s.sendInvitation(ctx, tx, inviter, org, u)
	} else {
		err = s.mailAskToJoin(ctx, tx, inviter, org, u)
	}
	if err != nil {
		return err
	}
	return record(ctx, tx, "identity.asked_to_join", inviter, u.ID, ip, string(in.Role))
}

// mailAskToJoin tells the owner of an account set up already that org asks
// them to join, and where to answer.
func (s *Service) mailAskToJoin(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, u *User) error {
	name := org.Name
	if inviter != nil {
		name = inviter.Name()
	}
	data := map[string]any{"Name": u.GivenName, "Inviter": name, "Organisation": org.Name, "Link": s.link("/invitations")}
	if s.hooks.BrandColour != nil {
		data["Colour"] = s.hooks.BrandColour(ctx, org.ID)
	}
	return s.mail.Queue(ctx, u.Email, u.Locale, "membership_invitation", data)
}

// ResendInvitation asks again: a fresh link of org to someone who has not
// set up their account yet (org's earlier link stops working), or the mail
// again to an owner who has not answered yet. tenancy.ErrNoInvitation when
// org has not asked them.
func (s *Service) ResendInvitation(ctx context.Context, actor *User, org *tenancy.Organisation, userID int64, ip string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		u, err := s.find(ctx, tx, "id = ?", userID)
		if err != nil {
			return err
		}
		asked, err := s.orgs.Asked(ctx, org.ID, userID)
		if err != nil {
			return err
		}
		switch {
		case !asked:
			return tenancy.ErrNoInvitation
		case u.Status == StatusInvited:
			err = s.sendInvitation(ctx, tx, actor, org, u)
		default:
			err = s.mailAskToJoin(ctx, tx, actor, org, u)
		}
		if err != nil {
			return err
		}
		return record(ctx, tx, "identity.invitation_resent", actor, u.ID, ip, "")
	})
}

// WithdrawInvitation takes back org's question to someone who has not
// answered it; the link it mailed ends with it. tenancy.ErrNoInvitation
// when there is none. The caller records it in org's audit log.
func (s *Service) WithdrawInvitation(ctx context.Context, orgID, userID int64) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if err := lockUser(ctx, tx, userID); err != nil { // in turn with the link's use
			return err
		}
		if err := tenancy.WithdrawIn(ctx, tx, orgID, userID); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model((*userToken)(nil)).Set("used_at = ?", s.Now().UTC()).
			Where("user_id = ? AND organisation_id = ? AND purpose = ? AND used_at IS NULL", userID, orgID, purposeInvitation).Exec(ctx)
		return err
	})
}

func (s *Service) sendInvitation(ctx context.Context, tx bun.IDB, inviter *User, org *tenancy.Organisation, u *User) error {
	token, err := s.newToken(ctx, tx, u.ID, org.ID, purposeInvitation, u.Email, s.cfg.InvitationValidity)
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
	if s.hooks.BrandColour != nil {
		data["Colour"] = s.hooks.BrandColour(ctx, org.ID)
	}
	return s.mail.Queue(ctx, u.Email, u.Locale, "invitation", data)
}

// Invitation finds the account an invitation link is for, and the
// organisation that sent it.
func (s *Service) Invitation(ctx context.Context, token string) (*User, int64, error) {
	t, u, err := s.openLink(ctx, s.db, token, purposeInvitation)
	if err != nil {
		return nil, 0, err
	}
	if u.Status != StatusInvited {
		return nil, 0, ErrLinkUsed // set up already, through another link: sign in
	}
	return u, t.OrganisationID, nil
}

// AcceptInvitation sets up an account through an organisation's link: the
// first password, the terms accepted, the link used up. It is the owner's
// yes to that organisation (when it has room; otherwise the question waits
// at /invitations, like every other organisation's). The mailbox is
// proven, so a lock of sign-ins from unknown browsers is lifted. A link of
// an account set up already (through another organisation's link) sets
// nothing: its owner signs in. Nothing changes when anything is refused.
func (s *Service) AcceptInvitation(ctx context.Context, token, password, confirm string, terms bool, ip string) (*User, error) {
	var accepted *User
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		t, u, err := s.useLink(ctx, tx, token, purposeInvitation) // a refusal below rolls the use back
		if err != nil {
			return err
		}
		if u.Status != StatusInvited {
			return ErrLinkUsed
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
			_, err := s.orgs.AcceptIn(ctx, u.ID, t.OrganisationID)
			if err != nil && !errors.Is(err, tenancy.ErrNoInvitation) && !errors.Is(err, tenancy.ErrPlanLimit) {
				return err
			}
		}
		accepted = u
		return record(ctx, tx, "identity.invitation_accepted", u, u.ID, ip, "")
	})
	return accepted, err
}
