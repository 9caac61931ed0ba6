package web

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
)

// HandleFeed serves a module's feed at /feeds/<module>/<token>: read-only
// (GET and HEAD), for apps that subscribe to an address and cannot sign in.
// The token names the person and the organisation; a revoked or unknown
// one, a person no longer in the organisation, or the module off there is a
// 404, all alike.
func (s *Server) HandleFeed(module string, h fiber.Handler) {
	path := "/feeds/" + module + "/:token"
	s.routes = append(s.routes, RouteInfo{Method: fiber.MethodGet, Path: path, Rule: Public})
	s.app.Get(path, s.feedViewer(module), h)
}

func (s *Server) feedViewer(module string) fiber.Handler {
	return func(c fiber.Ctx) error {
		u, orgID, err := s.ids.CheckFeed(c.Context(), module, c.Params("token"))
		if errors.Is(err, identity.ErrBadCredentials) {
			return fiber.ErrNotFound
		}
		if err != nil {
			return err
		}
		v, err := s.resolve(c.Context(), u, &identity.Session{UserID: u.ID, SecondFactor: true, OrganisationID: orgID})
		if err != nil {
			return err
		}
		if v.Org == nil || v.Org.ID != orgID || !v.HasModule(module) {
			return fiber.ErrNotFound
		}
		c.Locals(localViewer, v)
		return c.Next()
	}
}
