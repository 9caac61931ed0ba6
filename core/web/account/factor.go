package account

import (
	"encoding/base64"
	"errors"
	"html/template"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplFactor      = "account/factor"
	tmplBackupCodes = "account/backup_codes"
	tmplSecurity    = "account/security"
)

type factorData struct {
	Form   web.Form
	Next   string
	Action string // where the code goes: the first set-up, or a replacement
	Secret string
	QR     template.URL // data: URL of the PNG; the CSP allows data: images
	URL    string
}

type backupCodesData struct {
	Codes []string
	Next  string
}

// Factor shows the QR code and the secret in groups of four for setting up
// a first authenticator app. The guard (web.Enrol) keeps everyone who has
// one away: replacing it is a step of its own, behind a fresh proof.
func (h *Handlers) Factor(c fiber.Ctx) error {
	return h.renderFactor(c, web.ReadForm(c), fiber.StatusOK)
}

func (h *Handlers) renderFactor(c fiber.Ctx, f web.Form, status int) error {
	v := web.CurrentViewer(c)
	e, err := h.ids.StartEnrolment(c.Context(), v.User, issuer(v))
	if errors.Is(err, identity.ErrFactorEnabled) {
		return h.web.Redirect(c, h.web.NextStep(v)) // enabled by a request racing this one
	}
	if err != nil {
		return err
	}
	layout := web.AuthLayout
	if v.Complete() {
		layout = ""
	}
	return h.showEnrolment(c, e, f, "/setup/factor", layout, status)
}

func (h *Handlers) showEnrolment(c fiber.Ctx, e *identity.Enrolment, f web.Form, action, layout string, status int) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.web.Render(c, web.Page{Template: tmplFactor, Title: "account.factor.title", Layout: layout, Status: status,
		Data: factorData{Form: f, Next: next(c), Action: action, Secret: e.Grouped, URL: e.URL,
			QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QR))}})
}

// issuer names the account in the authenticator app: the organisation.
func issuer(v *web.Viewer) string {
	if v.Org != nil {
		return v.Org.Name
	}
	return "Atrium"
}

// FactorPost enables the authenticator after a correct code and shows the
// backup codes, once.
func (h *Handlers) FactorPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	codes, err := h.ids.CompleteEnrolment(c.Context(), v.User, c.FormValue("code"), c.IP())
	switch {
	case errors.Is(err, identity.ErrBadCode):
		f := web.ReadForm(c)
		f.Errors["code"] = "account.code.wrong"
		return h.renderFactor(c, f, web.Unprocessable)
	case errors.Is(err, identity.ErrFactorEnabled):
		return h.web.Redirect(c, h.web.NextStep(v))
	case err != nil:
		return err
	}
	if !v.Complete() {
		if err := h.web.CompleteSession(c); err != nil {
			return err
		}
	}
	return h.renderCodes(c, codes)
}

func (h *Handlers) renderCodes(c fiber.Ctx, codes []string) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.web.Render(c, web.Page{Template: tmplBackupCodes, Title: "account.backup_codes.title",
		Data: backupCodesData{Codes: codes, Next: next(c)}})
}

type securityData struct {
	Enabled bool
	Left    int
	Form    web.Form
}

// Security shows the second factor's state, the backup codes left, and the
// forms that replace the authenticator or the backup codes.
func (h *Handlers) Security(c fiber.Ctx) error {
	return h.renderSecurity(c, web.ReadForm(c), fiber.StatusOK)
}

func (h *Handlers) renderSecurity(c fiber.Ctx, f web.Form, status int) error {
	v := web.CurrentViewer(c)
	left, err := h.ids.BackupCodesLeft(c.Context(), v.User.ID)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplSecurity, Title: "account.security.title", Status: status,
		Data: securityData{Enabled: v.User.TOTPEnabled, Left: left, Form: f}})
}

// BackupCodesPost makes ten new codes (the old ones stop working) and shows
// them, after a code of the authenticator: a session alone never yields a
// second factor.
func (h *Handlers) BackupCodesPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	codes, err := h.ids.RegenerateBackupCodes(c.Context(), v.User, c.FormValue("code"), c.IP())
	if f := web.ReadForm(c); refusedProof(&f, err) != 0 {
		return h.renderSecurity(c, f, refusedProof(&f, err))
	}
	if err != nil {
		return err
	}
	return h.renderCodes(c, codes)
}

// ReplaceFactorPost checks the fresh proof (password and a code of the
// current authenticator, or a backup code) and leads to the new one's set-up.
func (h *Handlers) ReplaceFactorPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	err := h.ids.BeginReplacement(c.Context(), v.User, v.Session.ID, c.FormValue("password"), c.FormValue("current_code"), c.IP())
	if f := web.ReadForm(c); refusedProof(&f, err) != 0 {
		return h.renderSecurity(c, f, refusedProof(&f, err))
	}
	if err != nil {
		return err
	}
	return h.web.Redirect(c, "/settings/security/replace")
}

// ReplaceFactor shows the new authenticator's QR code and secret.
func (h *Handlers) ReplaceFactor(c fiber.Ctx) error {
	return h.renderReplacement(c, web.ReadForm(c), fiber.StatusOK)
}

func (h *Handlers) renderReplacement(c fiber.Ctx, f web.Form, status int) error {
	v := web.CurrentViewer(c)
	e, err := h.ids.Replacement(c.Context(), v.User, v.Session.ID, issuer(v))
	if errors.Is(err, identity.ErrNoReplacement) {
		web.SetFlash(c, "error", "account.security.replace_again")
		return h.web.Redirect(c, "/settings/security")
	}
	if err != nil {
		return err
	}
	return h.showEnrolment(c, e, f, "/settings/security/replace", "", status)
}

// ReplaceFactorConfirmPost puts the new authenticator in place after a code
// of it, and shows new backup codes.
func (h *Handlers) ReplaceFactorConfirmPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	codes, err := h.ids.CompleteReplacement(c.Context(), v.User, v.Session.ID, c.FormValue("code"), c.IP())
	switch {
	case errors.Is(err, identity.ErrBadCode):
		f := web.ReadForm(c)
		f.Errors["code"] = "account.code.wrong"
		return h.renderReplacement(c, f, web.Unprocessable)
	case errors.Is(err, identity.ErrNoReplacement):
		web.SetFlash(c, "error", "account.security.replace_again")
		return h.web.Redirect(c, "/settings/security")
	case err != nil:
		return err
	}
	return h.renderCodes(c, codes)
}

// refusedProof puts a refused proof on the security page's form (the
// fields it names, or the wait of a throttled one) and gives the status to
// answer with; 0 when err is no refusal.
func refusedProof(f *web.Form, err error) int {
	var throttled *identity.Throttled
	if errors.As(err, &throttled) {
		n, unit := identity.ThrottleWait(throttled.Wait)
		f.Problem, f.Values["wait"] = "account.signin.throttled."+unit, itoa(n)
		return fiber.StatusTooManyRequests
	}
	if f.Refuse(err) {
		return web.Unprocessable
	}
	return 0
}
