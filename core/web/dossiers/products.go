package dossiers

import (
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const tmplProducts = "dossiers/products"

type productsData struct {
	Products []dossier.Product
	OrgID    int64
	Form     web.Form
}

// Products lists the trajectories the organisation offers (its own, and
// those of the organisations above it, which it uses but cannot change).
func (h *Handlers) Products(c fiber.Ctx) error {
	return h.renderProducts(c, fiber.StatusOK, web.ReadForm(c))
}

func (h *Handlers) renderProducts(c fiber.Ctx, status int, f web.Form) error {
	list, err := h.svc.Products(c.Context(), web.CurrentViewer(c).LineageIDs(), true)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplProducts, Title: "dossier.products.title", Status: status,
		Data: productsData{Products: list, OrgID: web.CurrentViewer(c).Org.ID, Form: f}})
}

// ProductsPost adds a product, or changes one of the organisation's own
// (name, sessions, offered or not).
func (h *Handlers) ProductsPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "id", "name", "sessions", "active")
	id, _ := strconv.ParseInt(f.Values["id"], 10, 64)
	_, err := h.svc.SaveProduct(c.Context(), web.CurrentViewer(c).Org.ID, id, f.Values["name"], f.Values["sessions"], id == 0 || f.Values["active"] == "1")
	if f.Refuse(err) {
		return h.renderProducts(c, web.Unprocessable, f)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.products.saved")
	return h.web.Redirect(c, "/products")
}
