package notify

import (
	"context"
	"errors"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
)

// InvitePerson asks a dossier's person to join the dossier's organisation
// as a coachee, within the transaction ctx carries (an account not set up
// yet is made for a new address). The dossier is linked to their account
// when they accept (dossier.LinkPerson), and nil says so; someone who is a
// member already keeps their account and roles, and the dossier is linked
// to it now.
func (n *Notifier) InvitePerson(ctx context.Context, actorID int64, d *dossier.Dossier, ip string) (*int64, error) {
	org, err := n.Orgs.ByID(ctx, d.OrganisationID)
	if err != nil {
		return nil, err
	}
	actor, err := n.Identity.ByID(ctx, actorID)
	if err != nil {
		return nil, err
	}
	u, err := n.Identity.InviteIn(ctx, actor, org, identity.Invitee{
		Email: d.Email, GivenName: d.GivenName, NamePrefix: d.NamePrefix, FamilyName: d.FamilyName, Role: access.RoleCoachee,
	}, ip)
	switch {
	case errors.Is(err, identity.ErrAlreadyMember):
		return &u.ID, nil
	case errors.Is(err, identity.ErrAlreadyInvited):
		return nil, nil
	}
	return nil, err
}

// InviteGuest gives an address a dossier is shared with an account of no
// organisation and mails the invitation in the dossier organisation's name,
// within the transaction ctx carries.
func (n *Notifier) InviteGuest(ctx context.Context, actorID int64, d *dossier.Dossier, email, ip string) (int64, error) {
	org, err := n.Orgs.ByID(ctx, d.OrganisationID)
	if err != nil {
		return 0, err
	}
	actor, err := n.Identity.ByID(ctx, actorID)
	if err != nil {
		return 0, err
	}
	u, err := n.Identity.InviteGuestIn(ctx, actor, org, email, ip)
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}
