package organisation

import (
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

type daughtersData struct {
	Tree []tenancy.Node
	Form web.Form
}

// Daughters shows the organisation's tree and the form for a new daughter.
func (h *Handlers) Daughters(c fiber.Ctx) error {
	return h.renderDaughters(c, web.ReadForm(c), fiber.StatusOK)
}

func (h *Handlers) renderDaughters(c fiber.Ctx, f web.Form, status int) error {
	tree, err := h.orgs.Tree(c.Context(), web.CurrentViewer(c).Org.ID)
	if err != nil {
		return err
	}
	return h.page(c, "organisation/daughters", "organisation.daughters.title", status, daughtersData{Tree: tree, Form: f})
}

// DaughtersPost creates a daughter organisation under one in the viewer's tree.
func (h *Handlers) DaughtersPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "name", "parent")
	parentID, _ := strconv.ParseInt(f.Values["parent"], 10, 64)
	_, err := h.orgs.AddDaughterWithin(c.Context(), web.CurrentViewer(c).Org.ID, parentID, f.Values["name"], h.cat.Locales())
	if f.Refuse(err) {
		return h.renderDaughters(c, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "organisation.daughters.created")
	return h.web.Redirect(c, "/organisation/daughters")
}

// MovePost places a daughter under another organisation of the tree.
func (h *Handlers) MovePost(c fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "parent")
	parentID, _ := strconv.ParseInt(f.Values["parent"], 10, 64)
	err = h.orgs.MoveWithin(c.Context(), web.CurrentViewer(c).Org.ID, id, parentID)
	if f.Refuse(err) {
		return h.renderDaughters(c, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "organisation.daughters.moved")
	return h.web.Redirect(c, "/organisation/daughters")
}
