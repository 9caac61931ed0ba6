package dossiers

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const tmplStart = "dossiers/start"

type startData struct {
	Dossier  *dossier.Dossier
	Products []dossier.Product
	Form     web.Form
}

// startable opens the dossier for starting a trajectory: the viewer needs
// the permission in the dossier's own organisation.
func (h *Handlers) startable(c fiber.Ctx) (*dossier.Dossier, []int64, error) {
	d, _, err := h.open(c, dossier.View)
	if err != nil {
		return nil, nil, err
	}
	w := who(c)
	if w.OrgID != d.OrganisationID || !w.Can.Has(access.TrajectoriesStart) {
		return nil, nil, fiber.ErrForbidden
	}
	return d, web.CurrentViewer(c).LineageIDs(), nil
}

func (h *Handlers) renderStart(c fiber.Ctx, status int, d *dossier.Dossier, lineage []int64, f web.Form) error {
	products, err := h.svc.Products(c.Context(), lineage, false)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplStart, Title: "dossier.start.title", Status: status,
		Data: startData{Dossier: d, Products: products, Form: f}})
}

// StartTrajectory shows the form: a start date and a product.
func (h *Handlers) StartTrajectory(c fiber.Ctx) error {
	d, lineage, err := h.startable(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c)
	f.Values["start_date"] = time.Now().Format(time.DateOnly)
	return h.renderStart(c, fiber.StatusOK, d, lineage, f)
}

// StartTrajectoryPost starts the trajectory; the person is invited when they
// have no account yet.
func (h *Handlers) StartTrajectoryPost(c fiber.Ctx) error {
	d, lineage, err := h.startable(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "product", "start_date")
	invited := d.UserID == nil
	_, err = h.svc.StartTrajectory(c.Context(), who(c), d.ID, lineage, dossier.Start{ProductID: f.Values["product"], StartDate: f.Values["start_date"]}, c.IP())
	if f.Refuse(err) {
		return h.renderStart(c, web.Unprocessable, d, lineage, f)
	}
	if err != nil {
		return err
	}
	if invited {
		web.SetFlash(c, "success", "dossier.start.done_invited")
	} else {
		web.SetFlash(c, "success", "dossier.start.done")
	}
	return h.web.Redirect(c, link(d.ID, ""))
}

// CloseTrajectoryPost closes a trajectory with a classification.
func (h *Handlers) CloseTrajectoryPost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Edit)
	if err != nil {
		return err
	}
	tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	err = h.svc.CloseTrajectory(c.Context(), who(c), d.ID, tid, c.FormValue("classification"), c.IP())
	var f web.Form = web.ReadForm(c)
	if f.Refuse(err) {
		web.SetFlash(c, "error", f.Errors["classification"])
		return h.web.Redirect(c, link(d.ID, ""))
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.trajectory.closed_done")
	return h.web.Redirect(c, link(d.ID, ""))
}
