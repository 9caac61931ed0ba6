package dossiers

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const tmplForm = "dossiers/form"

// detailFields are the registration form's fields, in the form's order.
var detailFields = []string{"personnel_number", "family_name", "name_prefix", "given_name", "initials", "gender", "birth_date",
	"email", "phone", "street", "postcode", "city", "country", "department", "location", "cost_centre", "notes"}

func details(f web.Form) dossier.Details {
	v := f.Values
	return dossier.Details{
		PersonnelNumber: v["personnel_number"], FamilyName: v["family_name"], NamePrefix: v["name_prefix"], GivenName: v["given_name"],
		Initials: v["initials"], Gender: v["gender"], BirthDate: v["birth_date"], Email: v["email"], Phone: v["phone"],
		Street: v["street"], Postcode: v["postcode"], City: v["city"], Country: v["country"],
		Department: v["department"], Location: v["location"], CostCentre: v["cost_centre"], Notes: v["notes"],
	}
}

func formOf(d dossier.Details) web.Form {
	f := web.Form{Errors: map[string]string{}, Values: map[string]string{
		"personnel_number": d.PersonnelNumber, "family_name": d.FamilyName, "name_prefix": d.NamePrefix, "given_name": d.GivenName,
		"initials": d.Initials, "gender": d.Gender, "birth_date": d.BirthDate, "email": d.Email, "phone": d.Phone,
		"street": d.Street, "postcode": d.Postcode, "city": d.City, "country": d.Country,
		"department": d.Department, "location": d.Location, "cost_centre": d.CostCentre, "notes": d.Notes,
	}}
	return f
}

type formData struct {
	Form     web.Form
	Genders  []string
	Required []string
	Dossier  *dossier.Dossier // nil when registering
	Action   string
}

func (h *Handlers) renderForm(c fiber.Ctx, status int, title string, data formData) error {
	data.Genders, data.Required = dossier.Genders, dossier.Required
	return h.web.Render(c, web.Page{Template: tmplForm, Title: title, Status: status, Data: data})
}

// New shows the registration form.
func (h *Handlers) New(c fiber.Ctx) error {
	return h.renderForm(c, fiber.StatusOK, "dossier.register.title", formData{Form: web.ReadForm(c), Action: "/dossiers/new"})
}

// NewPost registers a person and opens their new dossier, where the next
// step (starting a trajectory) waits.
func (h *Handlers) NewPost(c fiber.Ctx) error {
	f := web.ReadForm(c, detailFields...)
	d, err := h.svc.Register(c.Context(), who(c), details(f), c.IP())
	if f.Refuse(err) {
		return h.renderForm(c, web.Unprocessable, "dossier.register.title", formData{Form: f, Action: "/dossiers/new"})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.register.done")
	return h.web.Redirect(c, link(d.ID, ""))
}

// Edit shows the details form of a dossier.
func (h *Handlers) Edit(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Edit)
	if err != nil {
		return err
	}
	return h.renderForm(c, fiber.StatusOK, "dossier.edit.title", formData{Form: formOf(dossier.DetailsOf(d)), Dossier: d, Action: link(d.ID, "/edit")})
}

// EditPost changes a dossier's details.
func (h *Handlers) EditPost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.Edit)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, detailFields...)
	_, err = h.svc.Update(c.Context(), who(c), d.ID, details(f), c.IP())
	if f.Refuse(err) {
		return h.renderForm(c, web.Unprocessable, "dossier.edit.title", formData{Form: f, Dossier: d, Action: link(d.ID, "/edit")})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.edit.done")
	return h.web.Redirect(c, link(d.ID, ""))
}
