package core

import (
	"context"
	"errors"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
)

// inviteDossierPerson asks a dossier's person to join the dossier's
// organisation as a coachee, within the trajectory's transaction
// (identity.Invite: an account not set up yet is made for a new address).
// The dossier is linked to their account when they accept
// (dossier.LinkPerson), and nil says so; someone who is a member already
// keeps their account and roles, and the dossier is linked to it now.
func (a *App) inviteDossierPerson(ctx context.Context, tx bun.IDB, actorID int64, d *dossier.Dossier, ip string) (*int64, error) {
	org, err := a.orgs.ByID(ctx, d.OrganisationID)
	if err != nil {
		return nil, err
	}
	actor, err := a.ident.ByID(ctx, actorID)
	if err != nil {
		return nil, err
	}
	u, err := a.ident.InviteIn(ctx, tx, actor, org, identity.Invitee{
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

// inviteShareRecipient gives an address a dossier is shared with an account
// of no organisation and mails the invitation in the dossier organisation's
// name; an invalid address is refused on the share form.
func (a *App) inviteShareRecipient(ctx context.Context, tx bun.IDB, actorID int64, d *dossier.Dossier, email, ip string) (int64, error) {
	org, err := a.orgs.ByID(ctx, d.OrganisationID)
	if err != nil {
		return 0, err
	}
	actor, err := a.ident.ByID(ctx, actorID)
	if err != nil {
		return 0, err
	}
	u, err := a.ident.InviteGuestIn(ctx, tx, actor, org, email, ip)
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}
