package organisation

import (
	"slices"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/web"
)

type moduleRow struct {
	module.Descriptor
	Allowed, On bool
}

// Modules lists the modules the organisation may use with their switches.
func (h *Handlers) Modules(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	allowed, err := h.orgs.Allowed(c.Context(), v.Org)
	if err != nil {
		return err
	}
	var rows []moduleRow
	for _, m := range h.modules.All() {
		rows = append(rows, moduleRow{Descriptor: m, Allowed: slices.Contains(allowed, m.ID), On: v.HasModule(m.ID)})
	}
	return h.page(c, "organisation/modules", "organisation.modules.title", fiber.StatusOK, rows)
}

// ModulesPost switches one module on or off.
func (h *Handlers) ModulesPost(c fiber.Ctx) error {
	id, on := c.FormValue("module"), c.FormValue("on") == "true"
	if _, known := h.modules.Get(id); !known {
		return fiber.ErrBadRequest
	}
	if err := h.orgs.SetModule(c.Context(), web.CurrentViewer(c).Org.ID, id, on); err != nil {
		f := web.ReadForm(c)
		if f.Refuse(err) {
			web.SetFlash(c, "error", "tenancy.error.module_not_allowed")
			return h.web.Redirect(c, "/organisation/modules")
		}
		return err
	}
	action := "organisation.module_off"
	if on {
		action = "organisation.module_on"
	}
	web.SetFlash(c, "success", action)
	return h.web.Redirect(c, "/organisation/modules")
}
