package main

import (
	"html/template"
	"strconv"
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// dossierCard shows, on a dossier, its person's coming sessions and, to a
// coach who may contribute to it, a way to plan one for them.
func dossierCard(r *sdk.Request) (template.HTML, error) {
	if !r.Can("agenda.offer") || !sdk.Level(r.Params["level"]).AtLeast("contribute") {
		return "", nil
	}
	id, err := strconv.ParseInt(r.Params["dossier_id"], 10, 64)
	if err != nil {
		return "", nil
	}
	d, err := r.Dossier(id)
	if err != nil || d.PersonID == 0 {
		return "", err
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
	return r.Fragment("card", map[string]any{"Dossier": d.ID, "Coming": planned})
}
