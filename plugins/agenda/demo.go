package main

import (
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// Demo gives the demo's coach office hours on weekdays and a session type,
// and the organisation a few session themes, so that the demo's coachee
// can book a session from the first start. It leaves a coach who has hours
// as they are.
func (h *Handlers) Demo(r *sdk.Request, _ sdk.DemoPeople) error {
	seeded, err := h.Hours.SeedDemo(r.Context, r.OrganisationID(), r.UserID(), r.T("agenda.demo.session"), time.Now())
	if err != nil || !seeded {
		return err
	}
	var themes []string
	for _, id := range []string{"agenda.demo.theme_career", "agenda.demo.theme_balance", "agenda.demo.theme_leadership"} {
		themes = append(themes, r.T(id))
	}
	return h.Settings.SeedThemes(r.Context, r.OrganisationID(), themes)
}
