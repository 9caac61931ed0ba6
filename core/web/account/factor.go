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
	Secret string
	QR     template.URL // data: URL of the PNG; the CSP allows data: images
	URL    string
}

type backupCodesData struct {
	Codes []string
	Next  string
}

// Factor shows the QR code and the secret in groups of four for setting up an
// authenticator app.
func (h *Handlers) Factor(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	if v.User.TOTPEnabled {
		return h.web.Redirect(c, next(c))
	}
	return h.renderFactor(c, web.ReadForm(c), fiber.StatusOK)
}

func (h *Handlers) renderFactor(c fiber.Ctx, f web.Form, status int) error {
	v := web.CurrentViewer(c)
	issuer := "Atrium"
	if v.Org != nil {
		issuer = v.Org.Name
	}
	e, err := h.ids.StartEnrolment(c.Context(), v.User, issuer)
	if err != nil {
		return err
	}
	layout := web.AuthLayout
	if v.Complete() {
		layout = ""
	}
	return h.web.Render(c, web.Page{Template: tmplFactor, Title: "account.factor.title", Layout: layout, Status: status,
		Data: factorData{Form: f, Next: next(c), Secret: e.Grouped, URL: e.URL,
			QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QR))}})
}

// FactorPost enables the authenticator after a correct code and shows the
// backup codes, once.
func (h *Handlers) FactorPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	codes, err := h.ids.CompleteEnrolment(c.Context(), v.User, c.FormValue("code"), c.IP())
	if errors.Is(err, identity.ErrBadCode) {
		f := web.ReadForm(c)
		f.Errors["code"] = "account.code.wrong"
		return h.renderFactor(c, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	if !v.Complete() {
		if err := h.ids.CompleteSession(c.Context(), v.Session); err != nil {
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
}

// Security shows the second factor's state and the backup codes left.
func (h *Handlers) Security(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	left, err := h.ids.BackupCodesLeft(c.Context(), v.User.ID)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplSecurity, Title: "account.security.title",
		Data: securityData{Enabled: v.User.TOTPEnabled, Left: left}})
}

// BackupCodesPost makes ten new codes (the old ones stop working) and shows them.
func (h *Handlers) BackupCodesPost(c fiber.Ctx) error {
	codes, err := h.ids.RegenerateBackupCodes(c.Context(), web.CurrentViewer(c).User, c.IP())
	if err != nil {
		return err
	}
	return h.renderCodes(c, codes)
}
