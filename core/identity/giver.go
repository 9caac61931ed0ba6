package identity

import (
	"context"
	"errors"
	"slices"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Giver is someone who manages people: what they hold in the organisation
// they work in, and that organisation's lineage (nearest first).
type Giver struct {
	User    *User
	Can     access.Set
	Lineage []int64
}

// WithdrawInvitationAs takes back an invitation of the giver's organisation,
// or with daughters.access of a daughter, named by the address it was sent
// to (an account's id would tell whether the address has one), and records
// it with that address in the invitation's organisation's log. An
// invitation outside their reach is not found; one of a role they may not
// give they may not take back either (access.ErrBeyondOwnRights).
func (s *Service) WithdrawInvitationAs(ctx context.Context, by Giver, orgID int64, email string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		inv, err := s.invitationWithin(ctx, by, orgID, email)
		if err != nil {
			return err
		}
		if err := s.WithdrawInvitation(ctx, orgID, inv.UserID); err != nil {
			return err
		}
		return audit.Note(ctx, s.db.In(ctx), orgID, "people.invitation_withdrawn", 0, inv.Email)
	})
}

// ResendInvitationAs asks again, under the same rules as
// WithdrawInvitationAs: a fresh link for someone who has not set up their
// account, the mail again for an owner who has not answered.
func (s *Service) ResendInvitationAs(ctx context.Context, by Giver, orgID int64, email, ip string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		inv, err := s.invitationWithin(ctx, by, orgID, email)
		if err != nil {
			return err
		}
		org, err := s.orgs.ByID(ctx, orgID)
		if err != nil {
			return err
		}
		if err := s.ResendInvitation(ctx, by.User, org, inv.UserID, ip); err != nil {
			return err
		}
		return audit.Note(ctx, s.db.In(ctx), orgID, "people.invitation_resent", 0, inv.Email)
	})
}

// mayGive tells whether someone holding by may give a role in the
// organisation whose lineage is given (access's rule, through the hook).
func (s *Service) mayGive(ctx context.Context, by access.Set, role access.Role, lineage []int64) error {
	if s.hooks.CheckGrant == nil {
		return errors.New("identity: no one may give roles (the CheckGrant hook is missing)")
	}
	return s.hooks.CheckGrant(ctx, by, role, lineage)
}

// invitationWithin finds an invitation the giver may act on: of their own
// organisation, or with daughters.access of one below it, and of a role
// they could give there.
func (s *Service) invitationWithin(ctx context.Context, by Giver, orgID int64, email string) (*tenancy.Invitation, error) {
	if len(by.Lineage) == 0 {
		return nil, tenancy.ErrNoInvitation
	}
	if orgID != by.Lineage[0] {
		tree, err := s.orgs.Subtree(ctx, by.Lineage[0])
		if err != nil {
			return nil, err
		}
		if !by.Can.Has(access.DaughtersAccess) || !slices.Contains(tree, orgID) {
			return nil, tenancy.ErrNoInvitation
		}
	}
	inv, err := s.orgs.InvitationTo(ctx, orgID, NormalizeEmail(email))
	if err != nil {
		return nil, err
	}
	lineage, err := s.orgs.LineageIDs(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if err := s.mayGive(ctx, by.Can, inv.Role, lineage); err != nil {
		return nil, err
	}
	return inv, nil
}
