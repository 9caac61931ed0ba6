package organisation

import (
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

type auditRow struct {
	audit.Event
	Actor, Subject string
}

type auditData struct {
	Rows           []auditRow
	Area, From, To string
	Areas          []string
}

// Audit shows who changed what in the organisation and its daughters, newest
// first, filtered by area and dates.
func (h *Handlers) Audit(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	ids, err := h.orgs.Subtree(c.Context(), v.Org.ID)
	if err != nil {
		return err
	}
	d := auditData{Area: c.Query("area"), From: c.Query("from"), To: c.Query("to"), Areas: []string{"organisation", "people", "identity"}}
	f := audit.Filter{Area: d.Area}
	if t, err := time.Parse("2006-01-02", d.From); err == nil {
		f.From = t
	}
	if t, err := time.Parse("2006-01-02", d.To); err == nil {
		f.To = t.AddDate(0, 0, 1)
	}
	events, err := h.audit.InOrganisations(c.Context(), ids, f)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	var people []int64
	for _, e := range events {
		for _, id := range []*int64{e.ActorID, e.SubjectID} {
			if id != nil {
				people = append(people, *id)
			}
		}
	}
	users, err := h.ids.ByIDs(c.Context(), people)
	if err != nil {
		return err
	}
	// People of the organisation by name; anyone else (someone a dossier
	// was shared with, the operator) by what the organisation knows of
	// them: the address it typed, or the operator's role. A name would
	// tell of an account that is not the organisation's.
	members, err := h.orgs.MembersAmong(c.Context(), ids, people)
	if err != nil {
		return err
	}
	for _, u := range users {
		switch {
		case members[u.ID]:
			names[u.ID] = identity.DisplayName(&u)
		case u.Operator:
			names[u.ID] = web.Localizer(c).T("organisation.audit.operator")
		default:
			names[u.ID] = u.Email
		}
	}
	for _, e := range events {
		row := auditRow{Event: e}
		if e.ActorID != nil {
			row.Actor = names[*e.ActorID]
		}
		if e.SubjectID != nil {
			row.Subject = names[*e.SubjectID]
		}
		d.Rows = append(d.Rows, row)
	}
	return h.page(c, "organisation/audit", "organisation.audit.title", fiber.StatusOK, d)
}
