package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"
)

const localRequestID = "atrium.request_id"

// RequestID gives the request's id: the caller's X-Request-ID when it is a
// sane token (so a proxy's id carries through), otherwise a new one.
func RequestID(c fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

func requestID(c fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !saneID(id) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Locals(localRequestID, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

func saneID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// contentSecurityPolicy allows only this origin's scripts, styles and fonts:
// no inline script, no inline style, no eval, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(hsts bool) fiber.Handler {
	return func(c fiber.Ctx) error {
		h := &c.Response().Header
		h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
		h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		h.Set(fiber.HeaderXFrameOptions, "DENY")
		h.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if hsts {
			h.Set(fiber.HeaderStrictTransportSecurity, "max-age=63072000; includeSubDomains")
		}
		return c.Next()
	}
}

// accessLog logs one line per request; static files and probes only at debug.
func accessLog(log *slog.Logger) fiber.Handler {
	return func(c fiber.Ctx) error {
		started := time.Now()
		err := c.Next()
		status := c.Response().StatusCode()
		var fe *fiber.Error
		if errors.As(err, &fe) {
			status = fe.Code
		} else if err != nil {
			status = fiber.StatusInternalServerError
		}
		level := slog.LevelInfo
		p := c.Path()
		if strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" {
			level = slog.LevelDebug
		}
		log.Log(c.Context(), level, "request",
			"method", c.Method(), "path", p, "status", status,
			"duration_ms", float64(time.Since(started).Microseconds())/1000,
			"request_id", RequestID(c), "ip", c.IP())
		return err
	}
}

// recoverPanics turns a panic into a 500 page and one log line with the stack,
// so one broken handler never takes the process down.
func recoverPanics(log *slog.Logger) fiber.Handler {
	return func(c fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic", "path", c.Path(), "request_id", RequestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fiber.ErrInternalServerError
			}
		}()
		return c.Next()
	}
}
