package main

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// seedDemo gives the demo's coach office hours on weekdays and a session type,
// and the organisation a few session themes, so that the demo's coachee
// can book a session from the first start. It leaves a coach who has hours
// as they are.
func seedDemo(r *sdk.Request, _ sdk.DemoPeople) error {
	n, err := r.DB().NewSelect().Model((*hours)(nil)).Where("organisation_id = ? AND coach_id = ?", r.OrganisationID(), r.UserID()).Count(r.Context)
	if err != nil || n > 0 {
		return err
	}
	now := time.Now().UTC()
	var blocks []hours
	for day := time.Monday; day <= time.Friday; day++ {
		blocks = append(blocks,
			hours{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Weekday: int(day), StartMin: 9 * 60, EndMin: 12 * 60, Place: "online", CreatedAt: now},
			hours{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Weekday: int(day), StartMin: 13 * 60, EndMin: 17 * 60, Place: "online", CreatedAt: now})
	}
	kind := &sessionType{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Name: r.T("agenda.demo.session"), DurationMin: 60,
		BufferAfterMin: 15, NoticeHours: 24, AheadDays: 60, CreatedAt: now}
	return r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&blocks).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(kind).Exec(ctx); err != nil {
			return err
		}
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
