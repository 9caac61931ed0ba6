package web

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/audit"
)

// Audit records what the viewer just did in the active organisation. Handlers
// call it after a change succeeded; the subject is the person acted upon (0
// for none).
func (s *Server) Audit(c fiber.Ctx, action string, subject int64, detail string) error {
	e := audit.Event{Action: action, IP: c.IP(), Detail: detail}
	if v := CurrentViewer(c); v != nil {
		e.ActorID = &v.User.ID
		if v.Org != nil {
			e.OrganisationID = &v.Org.ID
		}
	}
	if subject != 0 {
		e.SubjectID = &subject
	}
	return s.audit.Record(c.Context(), e)
}
