package main

import (
	"time"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/calendar"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/agenda/internal/notify"
	"github.com/atriumhq/atrium/plugins/agenda/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Handlers answer the agenda's pages, slots and events. They hold the
// services that keep its data; a handler reads the request, calls them and
// renders what they return.
type Handlers struct {
	Hours    *hours.Service
	Bookings *booking.Service
	Settings *settings.Service
	Notify   *notify.Notifier
	Calendar *calendar.Store
}

// zoneOf is a coach's agenda time zone: their own setting, else the one of
// their account, else UTC.
func (h *Handlers) zoneOf(r *sdk.Request, coachID int64) (*time.Location, error) {
	return h.Hours.ZoneOf(r.Context, r.OrganisationID(), coachID, func() (string, error) {
		if coachID == r.UserID() {
			return r.TimeZone(), nil
		}
		people, err := r.People(coachID)
		if err != nil || len(people) != 1 {
			return "", err
		}
		return people[0].TimeZone, nil
	})
}

// form is what a form sent and what was wrong with it, by field: the
// values are shown again, each problem (a message id) beside its field.
type form struct {
	Values   map[string]string
	Problems map[string]string
}

// newForm is a form with nothing sent and nothing wrong.
func newForm() form { return form{Values: map[string]string{}, Problems: map[string]string{}} }
