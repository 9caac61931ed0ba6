package account

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplForgot     = "account/forgot"
	tmplForgotSent = "account/forgot_sent"
	tmplReset      = "account/reset"
)

// Forgot asks for the address to send a reset link to.
func (h *Handlers) Forgot(c fiber.Ctx) error {
	return h.web.Render(c, web.Page{Template: tmplForgot, Title: "account.forgot.title", Layout: web.AuthLayout, Data: web.ReadForm(c)})
}

// ForgotPost sends the link when the address has an account and answers the
// same either way.
func (h *Handlers) ForgotPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "email")
	if f.Values["email"] == "" {
		f.Errors["email"] = "form.required"
		return h.web.Render(c, web.Page{Template: tmplForgot, Title: "account.forgot.title", Layout: web.AuthLayout, Status: web.Unprocessable, Data: f})
	}
	if err := h.ids.RequestReset(c.Context(), f.Values["email"], c.IP()); err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplForgotSent, Title: "account.forgot.title", Layout: web.AuthLayout,
		Data: map[string]any{"Minutes": int(h.ids.Config().ResetValidity.Minutes())}})
}

type resetData struct {
	Form  web.Form
	User  *identity.User
	Token string
}

// Reset shows the new-password form of a reset link.
func (h *Handlers) Reset(c fiber.Ctx) error {
	u, err := h.ids.ResetAccount(c.Context(), c.Params("token"))
	if err != nil {
		return h.linkProblem(c, "reset", err)
	}
	f := web.ReadForm(c)
	f.Rules = h.ids.Policy().Check("", u.Email)
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	return h.web.Render(c, web.Page{Template: tmplReset, Title: "account.reset.title", Layout: web.AuthLayout,
		Data: resetData{Form: f, User: u, Token: c.Params("token")}})
}

// ResetPost sets the new password; every session of the account ends.
func (h *Handlers) ResetPost(c fiber.Ctx) error {
	token := c.Params("token")
	_, err := h.ids.ResetPassword(c.Context(), token, c.FormValue("password"), c.FormValue("confirm"), c.IP())
	if err != nil {
		f := web.ReadForm(c)
		if !f.Refuse(err) {
			return h.linkProblem(c, "reset", err)
		}
		u, lerr := h.ids.ResetAccount(c.Context(), token)
		if lerr != nil {
			return h.linkProblem(c, "reset", lerr)
		}
		f.Rules = h.checklist(c.FormValue("password"), u.Email, f.Rules)
		return h.web.Render(c, web.Page{Template: tmplReset, Title: "account.reset.title", Layout: web.AuthLayout,
			Status: web.Unprocessable, Data: resetData{Form: f, User: u, Token: token}})
	}
	web.SetFlash(c, "success", "account.reset.done")
	return h.web.Redirect(c, "/signin")
}
