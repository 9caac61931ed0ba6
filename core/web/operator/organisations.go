package operator

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplSubscribers  = "operator/subscribers"
	tmplNew          = "operator/new"
	tmplOrganisation = "operator/organisation"
)

// Organisations are the operator's pages about subscribers.
type Organisations struct {
	web     *web.Server
	orgs    *tenancy.Service
	ids     *identity.Service
	modules *module.Registry
	cat     *i18n.Catalog
	files   *files.Service
}

// registerOrganisations adds the operator's subscriber pages.
func registerOrganisations(s *web.Server, d Deps) {
	h := &Organisations{web: s, orgs: d.Orgs, ids: d.Identity, modules: d.Modules, cat: d.Catalog, files: d.Files}
	get, post := fiber.MethodGet, fiber.MethodPost
	s.Handle(get, "/operator/organisations", web.Operator, h.List)
	s.Handle(get, "/operator/organisations/new", web.Operator, h.New)
	s.Handle(post, "/operator/organisations/new", web.Operator, h.NewPost)
	s.Handle(get, "/operator/organisations/:id", web.Operator, h.Show)
	s.Handle(post, "/operator/organisations/:id/subscription", web.Operator, h.SubscriptionPost)
	s.Handle(post, "/operator/organisations/:id/status", web.Operator, h.StatusPost)
	s.Handle(post, "/operator/organisations/:id/domain", web.Operator, h.DomainPost)
	s.Handle(post, "/operator/organisations/:id/daughters", web.Operator, h.DaughterPost)
	s.AddNav(web.NavItem{Label: "nav.subscribers", Icon: "building", Path: "/operator/organisations", Rule: web.Operator, Group: web.NavPlatform})
}

// List shows every subscriber with its usage.
func (h *Organisations) List(c fiber.Ctx) error {
	list, err := h.orgs.Subscribers(c.Context())
	if err != nil {
		return err
	}
	// Each module by its name (a message id), whoever ships it.
	labels := map[string]string{}
	for _, m := range h.modules.All() {
		labels[m.ID] = m.Label
	}
	return h.web.Render(c, web.Page{Template: tmplSubscribers, Title: "operator.subscribers.title",
		Data: subscribersData{Subscribers: list, Labels: labels}})
}

type subscribersData struct {
	Subscribers []tenancy.Usage
	Labels      map[string]string
}

type newData struct {
	Form    web.Form
	Modules []module.Descriptor
	Chosen  []string
}

// New shows the form for a new subscriber with its subscription and first administrator.
func (h *Organisations) New(c fiber.Ctx) error {
	f := web.ReadForm(c)
	f.Values["locale"], f.Values["time_zone"], f.Values["max_people"] = "nl", "Europe/Amsterdam", "25"
	return h.renderNew(c, f, h.modules.IDs(), fiber.StatusOK)
}

func (h *Organisations) renderNew(c fiber.Ctx, f web.Form, chosen []string, status int) error {
	return h.web.Render(c, web.Page{Template: tmplNew, Title: "operator.new.title", Status: status,
		Data: newData{Form: f, Modules: h.modules.All(), Chosen: chosen}})
}

// NewPost creates the subscriber, sets its subscription and invites its first
// administrator, who becomes the main contact. Every field is checked before
// anything is written.
func (h *Organisations) NewPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "name", "locale", "time_zone", "email", "phone", "city", "max_people", "admin_email", "admin_given_name", "admin_family_name")
	chosen := formList(c, "modules")
	maxPeople, err := strconv.Atoi(f.Values["max_people"])
	if err != nil || maxPeople < 1 {
		f.Errors["max_people"] = "tenancy.error.max_people"
	}
	if f.Values["admin_email"] == "" {
		f.Errors["admin_email"] = "form.required"
	}
	if f.Values["admin_given_name"] == "" {
		f.Errors["admin_given_name"] = "form.required"
	}
	if f.Values["admin_family_name"] == "" {
		f.Errors["admin_family_name"] = "form.required"
	}
	if len(f.Errors) > 0 {
		return h.renderNew(c, f, chosen, web.Unprocessable)
	}
	ctx := c.Context()
	d := tenancy.Details{Name: f.Values["name"], Locale: f.Values["locale"], TimeZone: f.Values["time_zone"],
		Email: f.Values["email"], Phone: f.Values["phone"], City: f.Values["city"]}
	org, err := h.orgs.CreateSubscriber(ctx, d, h.cat.Locales())
	if f.Refuse(err) {
		return h.renderNew(c, f, chosen, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	err = h.orgs.SetSubscription(ctx, org.ID, tenancy.Plan{Modules: chosen, MaxPeople: maxPeople}, h.modules.IDs())
	if err == nil {
		var admin *identity.User
		admin, err = h.ids.Invite(ctx, web.CurrentViewer(c).User, org, identity.Invitee{Email: f.Values["admin_email"],
			GivenName: f.Values["admin_given_name"], FamilyName: f.Values["admin_family_name"], Locale: org.Locale, Role: access.RoleAdmin}, c.IP())
		if err == nil {
			err = h.orgs.SetMainContact(ctx, org.ID, admin.ID)
		}
	}
	if err != nil {
		// Undo the organisation so a corrected form can be sent again.
		_ = h.orgs.Delete(context.WithoutCancel(ctx), org.ID)
		if f.Refuse(err) {
			for k, v := range f.Errors {
				if k == "email" || k == "given_name" || k == "family_name" {
					f.Errors["admin_"+k] = v
				}
			}
			return h.renderNew(c, f, chosen, web.Unprocessable)
		}
		return err
	}
	web.SetFlash(c, "success", "operator.new.created")
	return h.web.Redirect(c, "/operator/organisations/"+strconv.FormatInt(org.ID, 10))
}

type showData struct {
	Usage   tenancy.Usage
	Tree    []tenancy.Node
	Modules []module.Descriptor
	Form    web.Form
	// Storage is the files' storage used and allowed, in MiB.
	StorageUsed, StorageAllowed string
}

// Show is one subscriber: usage, subscription, daughters, suspension.
func (h *Organisations) Show(c fiber.Ctx) error {
	return h.renderShow(c, web.ReadForm(c), fiber.StatusOK)
}

func (h *Organisations) subscriber(c fiber.Ctx) (*tenancy.Organisation, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	org, err := h.orgs.ByID(c.Context(), id)
	if err == nil && !org.Subscriber() {
		return nil, fiber.ErrNotFound
	}
	return org, err
}

func (h *Organisations) renderShow(c fiber.Ctx, f web.Form, status int) error {
	org, err := h.subscriber(c)
	if err != nil {
		return err
	}
	usage, err := h.orgs.UsageOf(c.Context(), *org)
	if err != nil {
		return err
	}
	tree, err := h.orgs.Tree(c.Context(), org.ID)
	if err != nil {
		return err
	}
	data := showData{Usage: usage, Tree: tree, Modules: h.modules.All(), Form: f}
	if h.files != nil {
		allowed, err := h.files.Allowance(c.Context(), org.ID)
		if err != nil {
			return err
		}
		used, err := h.files.Used(c.Context(), allowed.SubscriberID)
		if err != nil {
			return err
		}
		data.StorageUsed, data.StorageAllowed = mebibytes(used), mebibytes(allowed.QuotaBytes)
	}
	return h.web.Render(c, web.Page{Template: tmplOrganisation, Title: "operator.organisation.title", Status: status, Data: data})
}

// mebibytes is a size in MiB with one decimal.
func mebibytes(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
}

// SubscriptionPost changes what the subscriber may use.
func (h *Organisations) SubscriptionPost(c fiber.Ctx) error {
	org, err := h.subscriber(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "max_people", "storage_mb", "max_file_mb")
	plan := tenancy.Plan{Modules: formList(c, "modules")}
	for field, into := range map[string]*int{"max_people": &plan.MaxPeople, "storage_mb": &plan.StorageMB, "max_file_mb": &plan.MaxFileMB} {
		n, err := strconv.Atoi(strings.TrimSpace(f.Values[field]))
		if err != nil && (field == "max_people" || f.Values[field] != "") {
			n = -1 // not a number: refused as out of range
		}
		*into = n
	}
	err = h.orgs.SetSubscription(c.Context(), org.ID, plan, h.modules.IDs())
	if f.Refuse(err) {
		return h.renderShow(c, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "operator.organisation.saved")
	return h.web.Redirect(c, "/operator/organisations/"+c.Params("id"))
}

// DomainPost sets the subscriber's portal address, or clears it: the
// sign-in page visitors see at that address is the subscriber's. The
// installation's own address and one another organisation has are refused.
func (h *Organisations) DomainPost(c fiber.Ctx) error {
	org, err := h.subscriber(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "domain")
	err = h.orgs.SetDomain(c.Context(), org.ID, f.Values["domain"], h.web.BaseHost())
	if f.Refuse(err) {
		return h.renderShow(c, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "operator.organisation.domain_saved")
	return h.web.Redirect(c, "/operator/organisations/"+c.Params("id"))
}

// StatusPost suspends or reactivates the subscriber with its whole tree.
func (h *Organisations) StatusPost(c fiber.Ctx) error {
	org, err := h.subscriber(c)
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	if err := h.orgs.SetStatus(c.Context(), org.ID, status); err != nil {
		return err // an unknown status is refused as invalid input (422)
	}
	web.SetFlash(c, "success", "operator.organisation.status_"+status)
	return h.web.Redirect(c, "/operator/organisations/"+c.Params("id"))
}

// DaughterPost adds a daughter organisation anywhere in the subscriber's tree.
func (h *Organisations) DaughterPost(c fiber.Ctx) error {
	org, err := h.subscriber(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "name", "parent")
	parentID, _ := strconv.ParseInt(f.Values["parent"], 10, 64)
	_, err = h.orgs.AddDaughterWithin(c.Context(), org.ID, parentID, f.Values["name"], h.cat.Locales())
	if f.Refuse(err) {
		return h.renderShow(c, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "organisation.daughters.created")
	return h.web.Redirect(c, "/operator/organisations/"+c.Params("id"))
}

// formList reads every value of a repeated form field (checkboxes).
func formList(c fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}
