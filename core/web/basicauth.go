package web

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
)

const localProtocolUser = "atrium.protocol_user"

// ProtocolUser is the account a protocol request (CalDAV and the like)
// authenticated as with an app password.
func ProtocolUser(c fiber.Ctx) *identity.User {
	u, _ := c.Locals(localProtocolUser).(*identity.User)
	return u
}

// AppPasswordAuth guards protocol endpoints that apps reach with Basic
// authentication. Only app passwords are accepted there, never the account
// password; throttling is the same as at the web sign-in.
func (s *Server) AppPasswordAuth() fiber.Handler {
	return func(c fiber.Ctx) error {
		email, password, ok := basicCredentials(c.Get(fiber.HeaderAuthorization))
		if ok {
			u, err := s.ids.CheckAppPassword(c.Context(), email, password, c.IP())
			var throttled *identity.Throttled
			switch {
			case err == nil:
				c.Locals(localProtocolUser, u)
				return c.Next()
			case errors.As(err, &throttled):
				c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(throttled.Wait.Seconds())+1))
				return c.SendStatus(fiber.StatusTooManyRequests)
			case !errors.Is(err, identity.ErrBadCredentials):
				return err
			}
		}
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Atrium", charset="UTF-8"`)
		return c.SendStatus(fiber.StatusUnauthorized)
	}
}

func basicCredentials(header string) (user, password string, ok bool) {
	raw, found := strings.CutPrefix(header, "Basic ")
	if !found {
		return "", "", false
	}
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(decoded), ":")
}
