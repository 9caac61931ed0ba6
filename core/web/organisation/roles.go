package organisation

import (
	"github.com/gofiber/fiber/v3"
	"slices"
	"strings"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/web"
)

type roleRow struct {
	Key         access.Role
	Name        string // custom roles' own name; built-in roles are translated
	Custom      bool
	ID          int64
	Permissions []access.Permission
}

// Roles lists the built-in and custom roles with what each grants.
func (h *Handlers) Roles(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	var rows []roleRow
	for _, r := range access.BuiltIn() {
		rows = append(rows, roleRow{Key: r, Permissions: h.access.BuiltInPermissions(r)})
	}
	custom, err := h.access.CustomRoles(c.Context(), lineageIDs(v))
	if err != nil {
		return err
	}
	for _, r := range custom {
		rows = append(rows, roleRow{Key: r.Key(), Name: r.Name, Custom: r.OrganisationID == v.Org.ID, ID: r.ID, Permissions: r.List()})
	}
	return h.page(c, "organisation/roles", "organisation.roles.title", fiber.StatusOK, rows)
}

type roleForm struct {
	Form        web.Form
	ID          int64
	Permissions []permissionGroup
}

type permissionBox struct {
	Name     access.Permission
	Checked  bool
	Disabled bool // the editor lacks it, so cannot give it
}

// permissionGroup is the rights of one area, under its name (a message id).
type permissionGroup struct {
	Label string
	Boxes []permissionBox
}

// coreAreas are the groups the core's rights fall in, by their first word;
// a module's rights are a group of their own, under the module's name.
var coreAreas = map[string]string{
	"dossiers": "work", "tasks": "work", "teams": "work", "trajectories": "work", "products": "work",
	"organisation": "organisation", "daughters": "organisation", "people": "organisation", "roles": "organisation",
	"audit": "organisation", "announcements": "organisation", "platform": "platform",
}

// boxes are the rights a role may hold, grouped: the daily work, the
// organisation, each module, the platform.
func (h *Handlers) boxes(c fiber.Ctx, checked []access.Permission) []permissionGroup {
	v := web.CurrentViewer(c)
	var groups []permissionGroup
	index := map[string]int{}
	for _, key := range []string{"work", "organisation"} {
		index[key] = len(groups)
		groups = append(groups, permissionGroup{Label: "organisation.roles.groups." + key})
	}
	for _, p := range h.access.Permissions() {
		area, _, _ := strings.Cut(string(p), ".")
		key, label := coreAreas[area], "organisation.roles.groups."+coreAreas[area]
		if key == "" {
			key, label = "module:"+area, area
			if m, ok := h.modules.Get(area); ok {
				label = m.Label
			}
		}
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, permissionGroup{Label: label})
		}
		groups[i].Boxes = append(groups[i].Boxes, permissionBox{Name: p, Checked: slices.Contains(checked, p), Disabled: !v.Can.Has(p)})
	}
	return slices.DeleteFunc(groups, func(g permissionGroup) bool { return len(g.Boxes) == 0 })
}

// RoleNew shows the editor for a new custom role.
func (h *Handlers) RoleNew(c fiber.Ctx) error {
	return h.page(c, "organisation/role", "organisation.roles.new", fiber.StatusOK, roleForm{Form: web.ReadForm(c), Permissions: h.boxes(c, nil)})
}

// RoleNewPost creates a custom role.
func (h *Handlers) RoleNewPost(c fiber.Ctx) error { return h.saveRole(c, 0) }

// Role shows the editor of one of the organisation's custom roles.
func (h *Handlers) Role(c fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	role, err := h.ownRole(c, id)
	if err != nil {
		return err
	}
	f := web.ReadForm(c)
	f.Values["name"] = role.Name
	return h.page(c, "organisation/role", "organisation.roles.edit", fiber.StatusOK, roleForm{Form: f, ID: id, Permissions: h.boxes(c, role.List())})
}

// RolePost saves a custom role.
func (h *Handlers) RolePost(c fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if _, err := h.ownRole(c, id); err != nil {
		return err
	}
	return h.saveRole(c, id)
}

func (h *Handlers) ownRole(c fiber.Ctx, id int64) (*access.CustomRole, error) {
	v := web.CurrentViewer(c)
	roles, err := h.access.CustomRoles(c.Context(), []int64{v.Org.ID})
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if r.ID == id {
			return &r, nil
		}
	}
	return nil, fiber.ErrNotFound
}

func (h *Handlers) saveRole(c fiber.Ctx, id int64) error {
	v := web.CurrentViewer(c)
	f := web.ReadForm(c, "name")
	var perms []access.Permission
	for _, p := range c.Request().PostArgs().PeekMulti("permissions") {
		perms = append(perms, access.Permission(p))
	}
	_, err := h.access.SaveCustomRole(c.Context(), v.Can, v.Org.ID, id, f.Values["name"], perms)
	if f.Refuse(err) {
		return h.page(c, "organisation/role", "organisation.roles.new", web.Unprocessable, roleForm{Form: f, ID: id, Permissions: h.boxes(c, perms)})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "organisation.roles.saved")
	return h.web.Redirect(c, "/organisation/roles")
}

// RoleDeletePost removes a custom role nobody holds.
func (h *Handlers) RoleDeletePost(c fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	err = h.access.DeleteCustomRole(c.Context(), web.CurrentViewer(c).Org.ID, id)
	switch {
	case web.FlashRefusal(c, err):
		return h.web.Redirect(c, "/organisation/roles")
	case err != nil:
		return err
	}
	web.SetFlash(c, "success", "organisation.roles.deleted")
	return h.web.Redirect(c, "/organisation/roles")
}

func lineageIDs(v *web.Viewer) []int64 {
	out := make([]int64, len(v.Lineage))
	for i, o := range v.Lineage {
		out[i] = o.ID
	}
	return out
}
