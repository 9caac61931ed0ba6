package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/url"

	"github.com/gofiber/fiber/v3"
)

// CSRF protection is a double-submit token: a random value in an HttpOnly,
// SameSite=Lax cookie that every form repeats in its _csrf field and every
// htmx request in the X-CSRF-Token header (set once on <body> with hx-headers).
// A page on another site can neither read the cookie nor set it, so it cannot
// send the matching value. Browsers that say a request is cross-site
// (Sec-Fetch-Site) or come from another Origin are refused before that.
// The token lives in the cookie alone, so any instance can check it.
const (
	csrfCookie = "atrium_csrf"
	csrfField  = "_csrf"
	csrfHeader = "X-CSRF-Token"
	localCSRF  = "atrium.csrf"
	// localCSRFPending marks a streamed upload whose token is in its form.
	localCSRFPending = "atrium.csrf.pending"
	csrfTokenSize    = 32
)

// CSRFToken is the token that forms on this page must send back.
func CSRFToken(c fiber.Ctx) string {
	token, _ := c.Locals(localCSRF).(string)
	return token
}

// csrf checks the token of every unsafe request. A form streamed to an
// upload route (streamed) that sends its token in the form rather than the
// header is checked by ReadUpload as it reads the form: reading it here
// would take the whole upload into memory first.
func csrf(secure bool, exempt, streamed func(fiber.Ctx) bool) fiber.Handler {
	return func(c fiber.Ctx) error {
		if exempt(c) {
			return c.Next() // protocol endpoints: Basic authentication on every request, no cookies
		}
		token := c.Cookies(csrfCookie)
		if len(token) != base64.RawURLEncoding.EncodedLen(csrfTokenSize) {
			token = rotateCSRF(c, secure)
		}
		c.Locals(localCSRF, token)
		if safeMethod(c.Method()) {
			return c.Next()
		}
		if !sameSite(c) {
			return fiber.NewError(fiber.StatusForbidden, "cross-site request")
		}
		sent := c.Get(csrfHeader)
		if sent == "" && streamed(c) {
			c.Locals(localCSRFPending, true)
			return c.Next()
		}
		if sent == "" {
			sent = c.FormValue(csrfField)
		}
		if subtle.ConstantTimeCompare([]byte(sent), []byte(c.Cookies(csrfCookie))) != 1 || sent == "" {
			return errFormExpired
		}
		return c.Next()
	}
}

// csrfPending tells whether the request's token is still to be read from
// its streamed form.
func csrfPending(c fiber.Ctx) bool {
	pending, _ := c.Locals(localCSRFPending).(bool)
	return pending
}

// rotateCSRF gives the browser a new token, at every change of who is signed
// in, so a token learnt before sign-in is worth nothing after it.
func rotateCSRF(c fiber.Ctx, secure bool) string {
	b := make([]byte, csrfTokenSize)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	c.Cookie(&fiber.Cookie{
		Name: csrfCookie, Value: token, Path: "/",
		HTTPOnly: true, Secure: secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
	c.Locals(localCSRF, token)
	return token
}

// errFormExpired is shown when a form's token does not match, most often
// because the form was opened before the browser's cookies were cleared.
var errFormExpired = fiber.NewError(fiber.StatusForbidden, "csrf")

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions || m == fiber.MethodTrace
}

// sameSite refuses requests a browser says come from another site. Modern
// browsers send Sec-Fetch-Site, which is the better signal (Origin is "null"
// after a no-referrer page); older ones only Origin.
func sameSite(c fiber.Ctx) bool {
	switch c.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "cross-site", "same-site":
		return false
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == c.Host()
}
