package account

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplSignIn = "account/signin"
	tmplCode   = "account/code"
)

type signInData struct {
	Form web.Form
	Next string
}

// SignIn shows the sign-in form; someone signed in already goes on.
func (h *Handlers) SignIn(c fiber.Ctx) error {
	if v := web.CurrentViewer(c); v != nil {
		if v.Complete() {
			return h.web.Redirect(c, next(c))
		}
		return h.web.Redirect(c, h.web.NextStep(v))
	}
	return h.renderSignIn(c, web.ReadForm(c), fiber.StatusOK)
}

func (h *Handlers) renderSignIn(c fiber.Ctx, f web.Form, status int) error {
	return h.web.Render(c, web.Page{Template: tmplSignIn, Title: "account.signin.title", Layout: web.AuthLayout,
		Status: status, Data: signInData{Form: f, Next: next(c)}})
}

// SignInPost checks the address and password, then sends the person on to
// their second step. Refusals never say whether the address has an account.
func (h *Handlers) SignInPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "email")
	u, err := h.ids.SignIn(c.Context(), c.FormValue("email"), c.FormValue("password"), web.DeviceToken(c), c.IP())
	var throttled *identity.Throttled
	switch {
	case errors.As(err, &throttled):
		n, unit := identity.ThrottleWait(throttled.Wait)
		f.Problem = "account.signin.throttled." + unit
		f.Values["wait"] = itoa(n)
		return h.renderSignIn(c, f, fiber.StatusTooManyRequests)
	case errors.Is(err, identity.ErrBadCredentials):
		f.Problem = "account.signin.failed"
		return h.renderSignIn(c, f, web.Unprocessable)
	case errors.Is(err, identity.ErrLocked):
		f.Problem = "account.signin.locked"
		return h.renderSignIn(c, f, fiber.StatusForbidden)
	case errors.Is(err, identity.ErrDeactivated):
		f.Problem = "account.signin.deactivated"
		return h.renderSignIn(c, f, fiber.StatusForbidden)
	case err != nil:
		return err
	}
	complete := !u.TOTPEnabled && !h.ids.Config().RequireSecondFactor
	if err := h.web.StartSession(c, u, complete); err != nil {
		return err
	}
	if complete {
		if err := h.ids.SignedIn(c.Context(), u, c.IP()); err != nil {
			return err
		}
		return h.web.Redirect(c, next(c))
	}
	return h.web.Redirect(c, h.web.NextStep(web.CurrentViewer(c))+"?next="+urlEscape(next(c)))
}

// Code asks for the code from the authenticator app (or a backup code).
func (h *Handlers) Code(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	if v.Complete() {
		return h.web.Redirect(c, next(c))
	}
	if !v.User.TOTPEnabled {
		return h.web.Redirect(c, "/setup/factor?next="+urlEscape(next(c)))
	}
	return h.renderCode(c, web.ReadForm(c), fiber.StatusOK)
}

func (h *Handlers) renderCode(c fiber.Ctx, f web.Form, status int) error {
	return h.web.Render(c, web.Page{Template: tmplCode, Title: "account.code.title", Layout: web.AuthLayout,
		Status: status, Data: signInData{Form: f, Next: next(c)}})
}

// CodePost finishes signing in.
func (h *Handlers) CodePost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	f := web.ReadForm(c)
	err := h.ids.VerifyCode(c.Context(), v.User, c.FormValue("code"), web.DeviceToken(c), c.IP())
	var throttled *identity.Throttled
	switch {
	case errors.As(err, &throttled):
		n, unit := identity.ThrottleWait(throttled.Wait)
		f.Problem, f.Values["wait"] = "account.signin.throttled."+unit, itoa(n)
		return h.renderCode(c, f, fiber.StatusTooManyRequests)
	case errors.Is(err, identity.ErrBadCode):
		f.Errors["code"] = "account.code.wrong"
		return h.renderCode(c, f, web.Unprocessable)
	case errors.Is(err, identity.ErrLocked):
		_ = h.web.EndSession(c)
		web.SetFlash(c, "error", "account.signin.locked")
		return h.web.Redirect(c, "/signin")
	case err != nil:
		return err
	}
	if err := h.web.CompleteSession(c); err != nil {
		return err
	}
	return h.web.Redirect(c, next(c))
}

// SignOutPost ends this browser's session.
func (h *Handlers) SignOutPost(c fiber.Ctx) error {
	if err := h.web.EndSession(c); err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.signed_out")
	return h.web.Redirect(c, "/signin")
}
