package main

import (
	"context"
	"time"

	"github.com/uptrace/bun"

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
	return r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		themes, err := tx.NewSelect().Model((*theme)(nil)).Where("organisation_id = ?", r.OrganisationID()).Count(ctx)
		if err != nil || themes > 0 {
			return err
		}
		for _, id := range []string{"agenda.demo.theme_career", "agenda.demo.theme_balance", "agenda.demo.theme_leadership"} {
			if _, err := tx.NewInsert().Model(&theme{OrganisationID: r.OrganisationID(), Name: r.T(id)}).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}
