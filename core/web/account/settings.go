package account

import (
	"errors"
	"html/template"
	"io"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplProfile  = "account/profile"
	tmplPassword = "account/password"
)

type profileData struct {
	Form      web.Form
	User      *identity.User
	TimeZones []string
	Photo     string          // message id of a photo problem
	Sections  []template.HTML // the modules' settings (web.SlotSettingsSection)
}

// commonTimeZones are offered in the profile; any IANA name is accepted.
var commonTimeZones = []string{"Europe/Amsterdam", "Europe/Brussels", "Europe/London", "Europe/Berlin", "Europe/Paris",
	"America/New_York", "America/Curacao", "America/Paramaribo", "Asia/Jakarta", "UTC"}

// Profile shows the person's own details.
func (h *Handlers) Profile(c fiber.Ctx) error {
	u := web.CurrentViewer(c).User
	f := web.Form{Values: map[string]string{"given_name": u.GivenName, "name_prefix": u.NamePrefix, "family_name": u.FamilyName,
		"phone": u.Phone, "locale": u.Locale, "time_zone": u.TimeZone}, Errors: map[string]string{}}
	return h.renderProfile(c, f, "", fiber.StatusOK)
}

func (h *Handlers) renderProfile(c fiber.Ctx, f web.Form, photoProblem string, status int) error {
	return h.web.Render(c, web.Page{Template: tmplProfile, Title: "account.profile.title", Status: status,
		Data: profileData{Form: f, User: web.CurrentViewer(c).User, TimeZones: commonTimeZones, Photo: photoProblem,
			Sections: h.web.FillSlot(c, web.SlotSettingsSection, nil)}})
}

// ProfilePost saves the person's details.
func (h *Handlers) ProfilePost(c fiber.Ctx) error {
	f := web.ReadForm(c, "given_name", "name_prefix", "family_name", "phone", "locale", "time_zone")
	u := *web.CurrentViewer(c).User // a copy: a refused form must not show half-changed data
	err := h.ids.UpdateProfile(c.Context(), &u, identity.Profile{GivenName: f.Values["given_name"], NamePrefix: f.Values["name_prefix"],
		FamilyName: f.Values["family_name"], Phone: f.Values["phone"], Locale: f.Values["locale"], TimeZone: f.Values["time_zone"]}, h.cat.Locales())
	if f.Refuse(err) {
		return h.renderProfile(c, f, "", web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.profile.saved")
	return h.web.Redirect(c, "/settings")
}

// PhotoPost takes a new profile photo.
func (h *Handlers) PhotoPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	fh, err := c.FormFile("photo")
	if err != nil || fh.Size > identity.MaxPhotoBytes {
		return h.photoRefused(c, "identity.photo.invalid")
	}
	file, err := fh.Open()
	if err != nil {
		return h.photoRefused(c, "identity.photo.invalid")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, identity.MaxPhotoBytes+1))
	if err != nil {
		return err
	}
	if err := h.ids.SetPhoto(c.Context(), v.User, data); errors.Is(err, identity.ErrPhoto) {
		return h.photoRefused(c, "identity.photo.invalid")
	} else if err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.photo.saved")
	return h.web.Redirect(c, "/settings")
}

func (h *Handlers) photoRefused(c fiber.Ctx, message string) error {
	u := web.CurrentViewer(c).User
	f := web.Form{Values: map[string]string{"given_name": u.GivenName, "name_prefix": u.NamePrefix, "family_name": u.FamilyName,
		"phone": u.Phone, "locale": u.Locale, "time_zone": u.TimeZone}, Errors: map[string]string{}}
	return h.renderProfile(c, f, message, web.Unprocessable)
}

// PhotoRemovePost removes the profile photo.
func (h *Handlers) PhotoRemovePost(c fiber.Ctx) error {
	if err := h.ids.RemovePhoto(c.Context(), web.CurrentViewer(c).User); err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.photo.removed")
	return h.web.Redirect(c, "/settings")
}

// PhotoOf serves a person's photo to themselves and to the people they share
// an organisation with; to anyone else it does not exist.
func (h *Handlers) PhotoOf(c fiber.Ctx) error {
	id, ok := parseID(c.Params("id"))
	v := web.CurrentViewer(c)
	if !ok {
		return fiber.ErrNotFound
	}
	if id != v.User.ID {
		shared, err := h.orgs.SharesOrganisation(c.Context(), v.User.ID, id)
		if err != nil {
			return err
		}
		if !shared {
			return fiber.ErrNotFound
		}
	}
	u, err := h.ids.ByID(c.Context(), id)
	if err == nil && len(u.Photo) == 0 {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, u.PhotoType)
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	return c.Send(u.Photo)
}

// Password shows the change-password form.
func (h *Handlers) Password(c fiber.Ctx) error {
	f := web.ReadForm(c)
	f.Rules = h.ids.Policy().Check("", web.CurrentViewer(c).User.Email)
	f.Values["everywhere"] = "on" // recovering from a leaked password is the usual reason
	return h.web.Render(c, web.Page{Template: tmplPassword, Title: "account.password.title", Data: f})
}

// PasswordPost changes the password and signs out the person's other
// sessions; ticked (the default), it also revokes their app passwords and
// feed addresses.
func (h *Handlers) PasswordPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	f := web.ReadForm(c, "everywhere")
	err := h.ids.ChangePassword(c.Context(), v.User, v.Session.ID, c.FormValue("current"), c.FormValue("password"), c.FormValue("confirm"),
		f.Values["everywhere"] != "", c.IP())
	if status := refusedProof(&f, err); status != 0 {
		f.Rules = h.checklist(c.FormValue("password"), v.User.Email, f.Rules)
		return h.web.Render(c, web.Page{Template: tmplPassword, Title: "account.password.title", Status: status, Data: f})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.password.changed")
	return h.web.Redirect(c, "/settings/password")
}

// sessionRow is one line of the sessions page.
type sessionRow struct {
	ID, IP, UserAgent string
	Started, LastSeen time.Time
	Current           bool
}
