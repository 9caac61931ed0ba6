package web

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"
)

// Flash is a one-time message shown on the next page, such as "Language
// changed". It carries a message id, never text, so it shows in the language
// of the page that displays it.
type Flash struct {
	Kind    string // "success", "info", "warning" or "error"
	Message string // message id
}

const flashCookie = "atrium_flash"

// SetFlash keeps a message for the next page this browser opens.
func SetFlash(c fiber.Ctx, kind, message string) {
	c.Cookie(&fiber.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(kind + "|" + message)),
		Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 60,
	})
}

// takeFlash reads the pending message once and clears it.
func takeFlash(c fiber.Ctx) *Flash {
	raw := c.Cookies(flashCookie)
	if raw == "" {
		return nil
	}
	clearCookie(c, flashCookie)
	decoded, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil
	}
	kind, message, ok := strings.Cut(string(decoded), "|")
	switch kind {
	case "success", "info", "warning", "error":
	default:
		ok = false
	}
	// Only message ids pass: letters, digits, dots and underscores.
	if !ok || strings.Trim(message, "abcdefghijklmnopqrstuvwxyz0123456789._") != "" {
		return nil
	}
	return &Flash{Kind: kind, Message: message}
}

// clearCookie removes a cookie set for the whole site. (Fiber's ClearCookie
// does not name the path, so the browser would keep a cookie set on "/".)
func clearCookie(c fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0), HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}
