package people

import (
	"context"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

type roleBox struct {
	Key      access.Role
	Name     string // custom roles' name; built-in roles are translated
	Checked  bool
	Disabled bool // grants something the viewer lacks
}

// offers are the roles of the viewer's organisation tree, each with
// whether the viewer may give it.
func (h *Handlers) offers(c fiber.Ctx) ([]access.Offer, error) {
	v := web.CurrentViewer(c)
	return h.access.Offers(c.Context(), v.Can, v.LineageIDs())
}

// memberRoles finds the person's roles in the active organisation.
func (h *Handlers) memberRoles(c fiber.Ctx, userID int64) ([]access.Role, bool, error) {
	v := web.CurrentViewer(c)
	ok, err := h.orgs.IsMember(c.Context(), v.Org.ID, userID)
	if err != nil || !ok {
		return nil, false, err
	}
	roles, err := h.orgs.RolesOf(c.Context(), v.Org.ID, userID)
	return roles, true, err
}

// roleBoxes offers every role of the organisation, disabling those the viewer
// may not give.
func (h *Handlers) roleBoxes(c fiber.Ctx, held []access.Role) ([]roleBox, error) {
	offers, err := h.offers(c)
	if err != nil {
		return nil, err
	}
	out := make([]roleBox, len(offers))
	for i, o := range offers {
		out[i] = roleBox{Key: o.Role, Name: o.Name, Checked: slices.Contains(held, o.Role), Disabled: !o.Grantable}
	}
	return out, nil
}

func (h *Handlers) renderPerson(c fiber.Ctx, u *identity.User, roles []access.Role, f web.Form, status int) error {
	boxes, err := h.roleBoxes(c, roles)
	if err != nil {
		return err
	}
	m, err := h.orgs.Member(c.Context(), web.CurrentViewer(c).Org.ID, u.ID)
	if err != nil {
		return err
	}
	steward, err := h.steward(c, u.ID)
	if err != nil {
		return err
	}
	cards := h.web.FillSlot(c, web.SlotPersonCard, map[string]string{"person_id": strconv.FormatInt(u.ID, 10)})
	return h.web.Render(c, web.Page{Template: tmplPerson, Title: "people.person.title", Status: status,
		Data: personData{User: u, Roles: roles, Member: m, Form: f, RoleBoxes: boxes, Cards: cards, Steward: steward}})
}

// steward tells whether the viewer may act on the person's whole account:
// the platform operator always, an administrator where the account is
// their organisation's alone (identity enforces the same).
func (h *Handlers) steward(c fiber.Ctx, userID int64) (bool, error) {
	v := web.CurrentViewer(c)
	if v.User.Operator {
		return true, nil
	}
	return h.dir.Steward(c.Context(), v.Org.ID, userID)
}

// notSteward answers an account-wide action the viewer may not take: the
// person's page, saying why, with nothing changed.
func (h *Handlers) notSteward(c fiber.Ctx, u *identity.User, roles []access.Role) error {
	f := web.ReadForm(c)
	f.Problem = directory.ErrNotSteward.Message
	return h.renderPerson(c, u, roles, f, fiber.StatusForbidden)
}

// RolesPost replaces a person's roles in the organisation. Roles the viewer
// may not give can be neither added nor taken away by them, and the
// organisation keeps an administrator.
func (h *Handlers) RolesPost(c fiber.Ctx) error {
	u, held, err := h.member(c)
	if err != nil {
		return err
	}
	var wanted []access.Role
	for _, w := range c.Request().PostArgs().PeekMulti("roles") {
		wanted = append(wanted, access.Role(w))
	}
	v := web.CurrentViewer(c)
	err = h.orgs.ChangeRoles(c.Context(), v.Can, v.LineageIDs(), u.ID, wanted)
	if f := web.ReadForm(c); f.Refuse(err) {
		return h.renderPerson(c, u, held, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "people.person.roles_saved")
	return h.web.Redirect(c, "/people/"+c.Params("id"))
}

// ActivePost deactivates or reactivates a person in the organisation.
func (h *Handlers) ActivePost(c fiber.Ctx) error {
	return h.flag(c, "active", h.orgs.SetActive)
}

// WebAccessPost turns a person's web access on or off.
func (h *Handlers) WebAccessPost(c fiber.Ctx) error {
	return h.flag(c, "web_access", h.orgs.SetWebAccess)
}

func (h *Handlers) flag(c fiber.Ctx, name string, set func(ctx context.Context, orgID, userID int64, on bool) error) error {
	u, roles, err := h.member(c)
	if err != nil {
		return err
	}
	on := c.FormValue("on") == "true"
	if u.ID == web.CurrentViewer(c).User.ID && !on {
		f := web.ReadForm(c)
		f.Problem = "people.person.not_yourself"
		return h.renderPerson(c, u, roles, f, web.Unprocessable)
	}
	err = set(c.Context(), web.CurrentViewer(c).Org.ID, u.ID, on)
	if f := web.ReadForm(c); f.Refuse(err) {
		return h.renderPerson(c, u, roles, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	if !on {
		h.web.RecheckStreams(c.Context(), u.ID) // their open tabs here stop receiving
	}
	web.SetFlash(c, "success", "people.person."+name+"_"+strconv.FormatBool(on))
	return h.web.Redirect(c, "/people/"+c.Params("id"))
}
