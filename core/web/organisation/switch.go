package organisation

import (
	"slices"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

// reachable lists the organisations a person may work in: those they are a
// member of, and the daughters of those where their roles give daughters.access.
func (h *Handlers) reachable(c fiber.Ctx) ([]tenancy.Node, error) {
	v := web.CurrentViewer(c)
	ms, err := h.orgs.Memberships(c.Context(), v.User.ID)
	if err != nil {
		return nil, err
	}
	var out []tenancy.Node
	seen := map[int64]bool{}
	for _, m := range ms {
		lineage, err := h.orgs.Lineage(c.Context(), m.OrganisationID)
		if err != nil {
			return nil, err
		}
		can, err := h.access.PermissionsOf(c.Context(), m.Roles, ids(lineage))
		if err != nil {
			return nil, err
		}
		nodes := []tenancy.Node{{Organisation: lineage[0]}}
		if can.Has(access.DaughtersAccess) {
			if nodes, err = h.orgs.Tree(c.Context(), m.OrganisationID); err != nil {
				return nil, err
			}
		}
		for _, n := range nodes {
			if !seen[n.ID] && n.Active() {
				seen[n.ID] = true
				out = append(out, n)
			}
		}
	}
	return out, nil
}

func ids(orgs []tenancy.Organisation) []int64 {
	out := make([]int64, len(orgs))
	for i, o := range orgs {
		out[i] = o.ID
	}
	return out
}

// Switch lists the organisations the person may switch to.
func (h *Handlers) Switch(c fiber.Ctx) error {
	list, err := h.reachable(c)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: "organisation/switch", Title: "organisation.switch.title", Data: list})
}

// SwitchPost makes another organisation the active one for this session.
func (h *Handlers) SwitchPost(c fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	list, err := h.reachable(c)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(n tenancy.Node) bool { return n.ID == id }) {
		return fiber.ErrNotFound
	}
	if err := h.ids.SwitchOrganisation(c.Context(), web.CurrentViewer(c).Session, id); err != nil {
		return err
	}
	return h.web.Redirect(c, "/")
}
