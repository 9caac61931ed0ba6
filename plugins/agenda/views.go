package main

import (
	"strconv"
	"time"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/notify"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// What several pages show alike.

// apptView is an appointment as one viewer reads it: times in their zone,
// the other side by name.
type apptView struct {
	booking.Appointment
	Date string // YYYY-MM-DD
	When string // "Tuesday 3 December 2026 at 10:00"
	Time string // "10:00–11:00"
	With string
}

// viewsOf describes appointments for the request's person in zone.
func viewsOf(r *sdk.Request, list []booking.Appointment, zone *time.Location) []apptView {
	var ids []int64
	for _, a := range list {
		ids = append(ids, a.CoachID, a.CoacheeID)
	}
	people, err := r.PeopleByID(ids...)
	if err != nil {
		r.Warn("agenda: names unknown", "error", err)
	}
	out := make([]apptView, 0, len(list))
	for _, a := range list {
		with := people[a.CoacheeID].Name
		if a.CoacheeID == r.UserID() {
			with = people[a.CoachID].Name
		}
		start := a.StartsAt.In(zone)
		out = append(out, apptView{Appointment: a, Date: start.Format(time.DateOnly), When: notify.When(r.T, start), With: with,
			Time: start.Format("15:04") + "–" + a.EndsAt.In(zone).Format("15:04")})
	}
	return out
}

// whenDay is a date as people read it, such as "Tuesday 3 December 2026".
func whenDay(t func(string, ...any) string, at time.Time) string {
	return t("agenda.day."+strconv.Itoa(int(at.Weekday()))) + " " + strconv.Itoa(at.Day()) + " " + t("agenda.month."+strconv.Itoa(int(at.Month()))) + " " + strconv.Itoa(at.Year())
}

// monthTitle is a month as people read it, such as "December 2026".
func monthTitle(t func(string, ...any) string, at time.Time) string {
	return t("agenda.month."+strconv.Itoa(int(at.Month()))) + " " + strconv.Itoa(at.Year())
}

// weekdayNames are the short names of the days from Monday.
func weekdayNames(r *sdk.Request) []string {
	var names []string
	for i := 1; i <= 7; i++ {
		names = append(names, r.T("agenda.short_day."+strconv.Itoa(i%7)))
	}
	return names
}
