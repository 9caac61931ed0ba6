package dossiers

import (
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const tmplSharing = "dossiers/sharing"

type sharingData struct {
	Dossier    *dossier.Dossier
	Members    []dossier.Member
	Levels     []dossier.Level
	Candidates []dossier.Coach
	Form       web.Form
}

func (h *Handlers) renderSharing(c fiber.Ctx, status int, d *dossier.Dossier, f web.Form) error {
	members, err := h.svc.Members(c.Context(), d)
	if err != nil {
		return err
	}
	candidates, err := h.svc.Candidates(c.Context(), d.OrganisationID)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplSharing, Title: "dossier.sharing.title", Status: status,
		Data: sharingData{Dossier: d, Members: members, Levels: dossier.Levels, Candidates: candidates, Form: f}})
}

// Sharing lists who may open the dossier and lets a manager share it with
// someone of any organisation, change levels, revoke, and choose the coach.
func (h *Handlers) Sharing(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Manage)
	if err != nil {
		return err
	}
	return h.renderSharing(c, fiber.StatusOK, d, web.ReadForm(c))
}

// SharingPost shares the dossier with a person, or changes their level.
func (h *Handlers) SharingPost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Manage)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "email", "level")
	_, err = h.svc.ShareWith(c.Context(), who(c), d.ID, f.Values["email"], dossier.ParseLevel(f.Values["level"]), c.IP())
	if f.Refuse(err) {
		return h.renderSharing(c, web.Unprocessable, d, f)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.sharing.shared")
	return h.web.Redirect(c, link(d.ID, "/sharing"))
}

// RevokePost ends a share.
func (h *Handlers) RevokePost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Manage)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseInt(c.Params("sid"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := h.svc.Revoke(c.Context(), who(c), d.ID, sid, c.IP()); err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.sharing.revoked")
	return h.web.Redirect(c, link(d.ID, "/sharing"))
}

// CoachPost chooses the dossier's responsible coach.
func (h *Handlers) CoachPost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Manage)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "coach")
	coach, _ := strconv.ParseInt(f.Values["coach"], 10, 64)
	err = h.svc.SetCoach(c.Context(), who(c), d.ID, coach, c.IP())
	if f.Refuse(err) {
		return h.renderSharing(c, web.Unprocessable, d, f)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.sharing.coach_set")
	return h.web.Redirect(c, link(d.ID, "/sharing"))
}

// CoCoachPost lets another member of the organisation coach the dossier too.
func (h *Handlers) CoCoachPost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Manage)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "co_coach")
	id, _ := strconv.ParseInt(f.Values["co_coach"], 10, 64)
	err = h.svc.AddCoCoach(c.Context(), who(c), d.ID, id, c.IP())
	if f.Refuse(err) {
		return h.renderSharing(c, web.Unprocessable, d, f)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.sharing.co_coach_added")
	return h.web.Redirect(c, link(d.ID, "/sharing"))
}

// CoCoachRemovePost ends a co-coach's place.
func (h *Handlers) CoCoachRemovePost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Manage)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("uid"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := h.svc.RemoveCoCoach(c.Context(), who(c), d.ID, id, c.IP()); err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.sharing.co_coach_removed")
	return h.web.Redirect(c, link(d.ID, "/sharing"))
}
