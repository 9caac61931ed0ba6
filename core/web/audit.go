package web

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/audit"
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
	return s.AuditIn(c, orgID, action, subject, detail)
}

// AuditIn records what the viewer just did in another organisation's log
// than the active one (answering its invitation); 0 is none.
func (s *Server) AuditIn(c fiber.Ctx, orgID int64, action string, subject int64, detail string) error {
	e := audit.Event{Action: action, IP: c.IP(), Detail: detail}
	if v := CurrentViewer(c); v != nil {
		e.ActorID = &v.User.ID
	}
	if orgID != 0 {
		e.OrganisationID = &orgID
	}
	if subject != 0 {
		e.SubjectID = &subject
	}
	return s.audit.Record(c.Context(), e)
}
