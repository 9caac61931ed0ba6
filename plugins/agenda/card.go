package main

import (
	"html/template"
	"strconv"
	"time"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// tmplCard is the agenda's card on a dossier.
const tmplCard = "card"

// cardView is the dossier card: its person's coming sessions, and where to
// plan one.
type cardView struct {
	Plan   string
	Coming []apptView
}

// DossierCard shows, on a dossier, its person's coming sessions and a way
// to plan one: for a coach who may contribute to it, for them; for the
// person themself (a coachee's start page is their dossier), their own.
func (h *Handlers) DossierCard(r *sdk.Request) (template.HTML, error) {
	id, err := r.ParamID("dossier_id")
	if err != nil {
		return "", nil
	}
	planner := r.Can("agenda.offer") && sdk.Level(r.Params["level"]).AtLeast("contribute")
	if !planner && !r.Can("agenda.book") {
		return "", nil
	}
	d, err := r.Dossier(id)
	if err != nil || d.PersonID == 0 {
		return "", err
	}
	own := d.PersonID == r.UserID()
	if !planner && !own {
		return "", nil
	}
	now := time.Now()
	coming, err := h.Bookings.OfCoachee(r.Context, r.OrganisationID(), d.PersonID, now, now.AddDate(2, 0, 0))
	if err != nil {
		return "", err
	}
	v := cardView{Plan: "/dossiers/" + strconv.FormatInt(d.ID, 10) + "/book"}
	if own {
		v.Plan = "/book"
	}
	for _, a := range viewsOf(r, coming, sdk.Zone(r.TimeZone())) {
		if a.Status == booking.StatusPlanned {
			v.Coming = append(v.Coming, a)
		}
	}
	return r.Fragment(tmplCard, v)
}
