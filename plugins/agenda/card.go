package main

import (
	"html/template"
	"strconv"
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// dossierCard shows, on a dossier, its person's coming sessions and a way
// to plan one: for a coach who may contribute to it, for them; for the
// person themself (a coachee's start page is their dossier), their own.
func dossierCard(r *sdk.Request) (template.HTML, error) {
	id, err := strconv.ParseInt(r.Params["dossier_id"], 10, 64)
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
	coming, err := appointmentsOf(r, "coachee_id", d.PersonID, now, now.AddDate(2, 0, 0))
	if err != nil {
		return "", err
	}
	var planned []apptView
	for _, v := range viewsOf(r, coming, sdk.Zone(r.TimeZone())) {
		if v.Status == statusPlanned {
			planned = append(planned, v)
		}
	}
	plan := "/dossiers/" + strconv.FormatInt(d.ID, 10) + "/book"
	if own {
		plan = "/book"
	}
	return r.Fragment("card", map[string]any{"Plan": plan, "Coming": planned})
}
