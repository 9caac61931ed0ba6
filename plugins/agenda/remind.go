package main

import (
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// Remind mails coachees a reminder of their sessions that begin within the
// organisation's reminder time, once per time a session is set for: one
// moved is reminded of again. A session booked after its reminder would
// have gone is not: the confirmation is fresh. Each reminder is claimed
// first, so that instances ticking together send it once.
func (h *Handlers) Remind(r *sdk.Request) error {
	org, err := h.Settings.Of(r.Context, r.OrganisationID())
	if err != nil {
		return err
	}
	before, on := org.RemindBefore()
	if !on {
		return nil
	}
	due, err := h.Bookings.Due(r.Context, r.OrganisationID(), time.Now().UTC(), before)
	if err != nil {
		return err
	}
	for _, a := range due {
		if !a.CreatedAt.Before(a.StartsAt.Add(-before)) {
			continue
		}
		claimed, err := h.Bookings.ClaimReminder(r.Context, a)
		if err != nil {
			return err
		}
		if claimed {
			h.Notify.Remind(r, a)
		}
	}
	return nil
}
