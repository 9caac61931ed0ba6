package web

import (
	"github.com/gofiber/fiber/v3"
)

// Audit records what the viewer just did in the active organisation, for
// what no service records itself (a download); a change is recorded by its
// service, in its own transaction. The subject is the person acted upon (0
// for none).
func (s *Server) Audit(c fiber.Ctx, action string, subject int64, detail string) error {
	var orgID int64
	if v := CurrentViewer(c); v != nil && v.Org != nil {
		orgID = v.Org.ID
	}
	return s.audit.Note(c.Context(), orgID, action, subject, detail)
}
