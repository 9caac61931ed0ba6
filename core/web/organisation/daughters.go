package organisation

import (
	"slices"
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

// withinTree checks that an organisation id lies in the viewer's tree.
func (h *Handlers) withinTree(c fiber.Ctx, id int64) (bool, error) {
	ids, err := h.orgs.Subtree(c.Context(), web.CurrentViewer(c).Org.ID)
	return slices.Contains(ids, id), err
}

// DaughtersPost creates a daughter organisation under one in the viewer's tree.
func (h *Handlers) DaughtersPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "name", "parent")
	parentID, _ := strconv.ParseInt(f.Values["parent"], 10, 64)
	if ok, err := h.withinTree(c, parentID); err != nil {
		return err
	} else if !ok {
		f.Errors["parent"] = "form.choose"
		return h.renderDaughters(c, f, web.Unprocessable)
	}
	parent, err := h.orgs.ByID(c.Context(), parentID)
	if err != nil {
		return err
	}
	_, err = h.orgs.CreateDaughter(c.Context(), parent, tenancy.Details{Name: f.Values["name"], Locale: parent.Locale, TimeZone: parent.TimeZone}, h.cat.Locales())
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
	if ok, err := h.withinTree(c, id); err != nil || !ok {
		return fiber.ErrNotFound
	}
	f := web.ReadForm(c, "parent")
	parentID, _ := strconv.ParseInt(f.Values["parent"], 10, 64)
	if ok, err := h.withinTree(c, parentID); err != nil {
		return err
	} else if !ok {
		f.Errors["parent"] = "form.choose"
		return h.renderDaughters(c, f, web.Unprocessable)
	}
	if id == web.CurrentViewer(c).Org.ID {
		f.Errors["parent"] = "tenancy.error.move_self"
		return h.renderDaughters(c, f, web.Unprocessable)
	}
	err = h.orgs.Move(c.Context(), id, parentID)
	if f.Refuse(err) {
		return h.renderDaughters(c, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "organisation.daughters.moved")
	return h.web.Redirect(c, "/organisation/daughters")
}
