package account

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

const tmplInvitations = "account/invitations"

// Invitations lists the organisations that asked the person to join, each
// to accept or decline. Until they answer, those organisations see them as
// invited and reach nothing of their account.
func (h *Handlers) Invitations(c fiber.Ctx) error {
	list, err := h.orgs.InvitationsOf(c.Context(), web.CurrentViewer(c).User.ID)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplInvitations, Title: "account.invitations.title", Data: list})
}

// InvitationAcceptPost makes the person a member and takes them there.
func (h *Handlers) InvitationAcceptPost(c fiber.Ctx) error {
	v, orgID := web.CurrentViewer(c), web.OrgParam(c)
	_, err := h.orgs.AcceptInvitation(c.Context(), v.User.ID, orgID)
	switch {
	case errors.Is(err, tenancy.ErrPlanLimit):
		web.SetFlash(c, "error", "account.invitations.no_room")
		return h.web.Redirect(c, "/invitations")
	case web.FlashRefusal(c, err):
		return h.web.Redirect(c, "/invitations")
	case err != nil:
		return err
	}
	if err := h.ids.SwitchOrganisation(c.Context(), v.Session, orgID); err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.invitations.accepted")
	return h.web.Redirect(c, "/")
}

// InvitationDeclinePost answers no; the organisation sees the invitation gone.
func (h *Handlers) InvitationDeclinePost(c fiber.Ctx) error {
	v, orgID := web.CurrentViewer(c), web.OrgParam(c)
	_, err := h.orgs.DeclineInvitation(c.Context(), v.User.ID, orgID)
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.invitations.declined")
	return h.web.Redirect(c, "/invitations")
}
