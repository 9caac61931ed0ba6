package account

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/web"
)

const tmplAddress = "account/address"

// Address shows a confirmation link of a new sign-in address: the address,
// and a button that confirms it. Opening the link changes nothing (mail
// scanners open links).
func (h *Handlers) Address(c fiber.Ctx) error {
	u, err := h.ids.AddressChange(c.Context(), c.Params("token"))
	if err != nil {
		return h.linkProblem(c, "address", err)
	}
	c.Set(fiber.HeaderReferrerPolicy, "same-origin") // the token is in the address: never send it to another site
	return h.web.Render(c, web.Page{Template: tmplAddress, Title: "account.address.title", Layout: web.AuthLayout,
		Data: map[string]string{"Address": u.PendingEmail, "Token": c.Params("token")}})
}

// AddressPost confirms the new address; every session of the account ends,
// so the person signs in with it.
func (h *Handlers) AddressPost(c fiber.Ctx) error {
	if _, err := h.ids.ConfirmEmail(c.Context(), c.Params("token"), c.IP()); err != nil {
		return h.linkProblem(c, "address", err)
	}
	_ = h.web.EndSession(c)
	web.SetFlash(c, "success", "account.address.done")
	return h.web.Redirect(c, "/signin")
}
