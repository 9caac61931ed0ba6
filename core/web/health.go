package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v3"
)

// healthz says the process is alive. It touches nothing else, so a slow
// database never gets a healthy process restarted.
func healthz(c fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

// readyz says whether the process can serve: its database answers.
func (s *Server) readyz(c fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.Context(), 2*time.Second)
	defer cancel()
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			s.log.Warn("not ready", "error", err.Error())
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "database": "unreachable"})
		}
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
