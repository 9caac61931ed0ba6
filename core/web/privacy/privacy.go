// Package privacy holds the pages of a person's rights over their data:
// downloading all of it, and an administrator erasing a person.
package privacy

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/privacy"
	"github.com/atriumhq/atrium/core/web"
)

// Handlers are the privacy pages.
type Handlers struct {
	web *web.Server
	svc *privacy.Service
	// exporting holds the people whose export is being made.
	exporting sync.Map
}

// Register adds the pages.
// Deps are what the privacy pages need.
type Deps struct {
	Privacy *privacy.Service
}

func Register(s *web.Server, d Deps) {
	h := &Handlers{web: s, svc: d.Privacy}
	s.Handle(fiber.MethodGet, "/settings/privacy", web.Member, h.Page)
	s.Handle(fiber.MethodGet, "/settings/privacy/export", web.Member, h.Export)
	s.Handle(fiber.MethodPost, "/people/:id/erase", web.Rule{Level: web.SignedIn, Need: access.PeopleManage, Account: true}, h.ErasePost)
}

// Page explains what the person can do with their data.
func (h *Handlers) Page(c fiber.Ctx) error {
	return h.web.Render(c, web.Page{Template: "privacy/page", Title: "privacy.title"})
}

// Export sends the person everything kept about them, as a ZIP; one at a
// time per person (an export asks every module and reads every file).
func (h *Handlers) Export(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	if _, busy := h.exporting.LoadOrStore(v.User.ID, true); busy {
		web.SetFlash(c, "error", "privacy.export.busy")
		return h.web.Redirect(c, "/settings/privacy")
	}
	defer h.exporting.Delete(v.User.ID)
	if err := h.web.Audit(c, "privacy.exported", v.User.ID, ""); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="my-data-`+time.Now().UTC().Format("2006-01-02")+`.zip"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	err := h.svc.Export(c.Context(), v.User.ID, c.Response().BodyWriter())
	var failed *privacy.ModuleFailed
	if errors.As(err, &failed) {
		// Nothing was written: the modules are asked before the download starts.
		c.Response().Header.Del(fiber.HeaderContentDisposition)
		c.Response().Header.Del(fiber.HeaderContentType)
		web.SetFlash(c, "error", "privacy.export.module_failed")
		return h.web.Redirect(c, "/settings/privacy")
	}
	return err
}

// ErasePost erases a member of the organisation, when the administrator
// confirmed it and the retention rule allows it.
func (h *Handlers) ErasePost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	back := "/people/" + strconv.FormatInt(id, 10)
	member, err := h.svc.IsMember(c.Context(), v.Org.ID, id)
	if err != nil {
		return err
	}
	if !member {
		return fiber.ErrNotFound
	}
	if c.FormValue("confirm") != "1" {
		web.SetFlash(c, "error", "privacy.erase.confirm_needed")
		return h.web.Redirect(c, back)
	}
	if id == v.User.ID {
		web.SetFlash(c, "error", "privacy.erase.not_yourself")
		return h.web.Redirect(c, back)
	}
	err = h.svc.Erase(c.Context(), v.Org.ID, v.User.ID, id, c.IP())
	var retained *privacy.Retained
	var failed *privacy.ModuleFailed
	switch {
	case errors.As(err, &failed):
		web.SetFlash(c, "error", "privacy.erase.module_failed")
		return h.web.Redirect(c, back)
	case errors.Is(err, privacy.ErrElsewhere):
		web.SetFlash(c, "error", "privacy.erase.elsewhere")
		return h.web.Redirect(c, back)
	case errors.As(err, &retained):
		return h.web.Render(c, web.Page{Template: "privacy/retained", Title: "privacy.erase.title", Status: fiber.StatusConflict,
			Data: map[string]any{"Until": retained.Until.Format(time.DateOnly), "Back": back}})
	case err != nil:
		return err
	}
	web.SetFlash(c, "success", "privacy.erase.done")
	return h.web.Redirect(c, "/people")
}
