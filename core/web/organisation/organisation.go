// Package organisation holds the organisation administrator's pages: the
// organisation's details, its daughter organisations, the modules it has on,
// its own words, its roles, its look and its audit log; and the switcher
// between the organisations a person works in.
package organisation

import (
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/branding"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

// Handlers are the organisation pages.
type Handlers struct {
	web     *web.Server
	orgs    *tenancy.Service
	access  *access.Service
	ids     *identity.Service
	modules *module.Registry
	cat     *i18n.Catalog
	audit   *audit.Service
	brands  *branding.Service
}

// Deps are what the organisation pages use.
type Deps struct {
	Orgs     *tenancy.Service
	Access   *access.Service
	Identity *identity.Service
	Modules  *module.Registry
	Catalog  *i18n.Catalog
	Audit    *audit.Service
	Brands   *branding.Service
}

// Register adds the organisation pages.
func Register(s *web.Server, d Deps) {
	h := &Handlers{web: s, orgs: d.Orgs, access: d.Access, ids: d.Identity, modules: d.Modules, cat: d.Catalog, audit: d.Audit, brands: d.Brands}
	get, post := fiber.MethodGet, fiber.MethodPost
	manage := web.Need(access.OrganisationManage)
	s.Handle(get, "/organisation", manage, h.Details)
	s.Handle(post, "/organisation", manage, h.DetailsPost)
	s.Handle(get, "/organisation/daughters", web.Need(access.DaughtersManage), h.Daughters)
	s.Handle(post, "/organisation/daughters", web.Need(access.DaughtersManage), h.DaughtersPost)
	s.Handle(post, "/organisation/daughters/:id/move", web.Need(access.DaughtersManage), h.MovePost)
	s.Handle(get, "/organisation/modules", manage, h.Modules)
	s.Handle(post, "/organisation/modules", manage, h.ModulesPost)
	s.Handle(get, "/organisation/words", manage, h.Words)
	s.Handle(post, "/organisation/words", manage, h.WordsPost)
	s.Handle(post, "/organisation/words/preview", manage, h.WordsPreviewPost)
	s.Handle(get, "/organisation/look", manage, h.Look)
	s.Handle(post, "/organisation/look", manage, h.LookPost)
	s.Handle(get, "/brand/:id/logo", web.Public, h.BrandLogo)
	s.Handle(get, "/brand/:id/style.css", web.Public, h.BrandCSS)
	s.Handle(get, "/organisation/roles", web.Need(access.RolesManage), h.Roles)
	s.Handle(get, "/organisation/roles/new", web.Need(access.RolesManage), h.RoleNew)
	s.Handle(post, "/organisation/roles/new", web.Need(access.RolesManage), h.RoleNewPost)
	s.Handle(get, "/organisation/roles/:id", web.Need(access.RolesManage), h.Role)
	s.Handle(post, "/organisation/roles/:id", web.Need(access.RolesManage), h.RolePost)
	s.Handle(post, "/organisation/roles/:id/delete", web.Need(access.RolesManage), h.RoleDeletePost)
	s.Handle(get, "/organisation/audit", web.Need(access.AuditView), h.Audit)
	s.Handle(get, "/switch", web.Member, h.Switch)
	s.Handle(post, "/switch/:id", web.Member, h.SwitchPost)
	s.AddNav(web.NavItem{Label: "nav.organisation", Icon: "building", Path: "/organisation", Rule: manage, Group: web.NavAdministration})
}

// tab is the organisation pages' sub-navigation.
type tab struct {
	Path, Label string
	Need        access.Permission
}

var tabs = []tab{
	{"/organisation", "organisation.details.title", access.OrganisationManage},
	{"/organisation/daughters", "organisation.daughters.title", access.DaughtersManage},
	{"/organisation/modules", "organisation.modules.title", access.OrganisationManage},
	{"/organisation/words", "organisation.words.title", access.OrganisationManage},
	{"/organisation/look", "organisation.look.title", access.OrganisationManage},
	{"/organisation/roles", "organisation.roles.title", access.RolesManage},
	{"/organisation/audit", "organisation.audit.title", access.AuditView},
}

// page renders an organisation page with the tabs the viewer may open.
func (h *Handlers) page(c fiber.Ctx, tmpl, title string, status int, data any) error {
	v := web.CurrentViewer(c)
	var mine []tab
	for _, t := range tabs {
		if v.Can.Has(t.Need) {
			mine = append(mine, t)
		}
	}
	return h.web.Render(c, web.Page{Template: tmpl, Title: title, Status: status, Data: map[string]any{"Tabs": mine, "Page": data}})
}

func paramID(c fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// Details shows the organisation's details.
func (h *Handlers) Details(c fiber.Ctx) error {
	o := web.CurrentViewer(c).Org
	f := web.Form{Values: map[string]string{"name": o.Name, "locale": o.Locale, "time_zone": o.TimeZone, "street": o.Street,
		"postcode": o.Postcode, "city": o.City, "country": o.Country, "phone": o.Phone, "email": o.Email, "website": o.Website}, Errors: map[string]string{}}
	return h.page(c, "organisation/details", "organisation.details.title", fiber.StatusOK, f)
}

// DetailsPost saves the organisation's details. The portal address is not
// among them: it decides whose sign-in page visitors see there, so only the
// platform operator sets it, and a posted one is not read.
func (h *Handlers) DetailsPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "name", "locale", "time_zone", "street", "postcode", "city", "country", "phone", "email", "website")
	o := *web.CurrentViewer(c).Org
	err := h.orgs.Update(c.Context(), &o, tenancy.Details{Name: f.Values["name"], Locale: f.Values["locale"], TimeZone: f.Values["time_zone"],
		Street: f.Values["street"], Postcode: f.Values["postcode"], City: f.Values["city"], Country: f.Values["country"],
		Phone: f.Values["phone"], Email: f.Values["email"], Website: f.Values["website"]}, h.cat.Locales())
	if f.Refuse(err) {
		return h.page(c, "organisation/details", "organisation.details.title", web.Unprocessable, f)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "organisation.details.saved")
	return h.web.Redirect(c, "/organisation")
}
