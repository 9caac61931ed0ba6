package main

import (
	"strconv"
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// tmplAgenda is the coach's agenda.
const tmplAgenda = "agenda"

// dayView is one day of the coach's agenda.
type dayView struct {
	Date, Title  string
	Number       int
	InMonth      bool
	Today        bool
	Open         []string // "09:00–12:00 online"
	Appointments []apptView
}

// agendaView is the coach's agenda over a day, a week or a month, with
// the addresses of the periods before and after.
type agendaView struct {
	View             string // "day", "week" or "month"
	Views            []string
	Title            string
	Zone             string
	Date, Prev, Next string // YYYY-MM-DD
	Today            string
	Weekdays         []string
	Days             []dayView
}

// Agenda is the coach's agenda: a day, a week from Monday or a month, with
// their open hours and appointments; links move a period back or on.
func (h *Handlers) Agenda(r *sdk.Request) error {
	zone, err := h.zoneOf(r, r.UserID())
	if err != nil {
		return err
	}
	now := time.Now().In(zone)
	at, err := time.ParseInLocation(time.DateOnly, r.Query.Get("date"), zone)
	if err != nil {
		at = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
	}
	view := r.Query.Get("view")
	var from, to, prev, next time.Time
	switch view {
	case "day":
		from, to, prev, next = at, at.AddDate(0, 0, 1), at.AddDate(0, 0, -1), at.AddDate(0, 0, 1)
	case "month":
		first := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, zone)
		from = first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
		for to = first.AddDate(0, 1, 0); to.Weekday() != time.Monday; to = to.AddDate(0, 0, 1) {
		}
		prev, next = first.AddDate(0, -1, 0), first.AddDate(0, 1, 0)
	default:
		view = "week"
		from = at.AddDate(0, 0, -((int(at.Weekday()) + 6) % 7))
		to, prev, next = from.AddDate(0, 0, 7), at.AddDate(0, 0, -7), at.AddDate(0, 0, 7)
	}
	list, err := h.Bookings.OfCoach(r.Context, r.OrganisationID(), r.UserID(), from, to)
	if err != nil {
		return err
	}
	coach, err := h.Bookings.Coach(r.Context, r.OrganisationID(), r.UserID(), zone, from, to)
	if err != nil {
		return err
	}
	views := viewsOf(r, list, zone)
	v := agendaView{View: view, Views: []string{"day", "week", "month"}, Title: monthTitle(r.T, at), Zone: zone.String(),
		Date: at.Format(time.DateOnly), Prev: prev.Format(time.DateOnly), Next: next.Format(time.DateOnly), Today: now.Format(time.DateOnly),
		Weekdays: weekdayNames(r)}
	if view == "day" {
		v.Title = whenDay(r.T, at)
	}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		key := d.Format(time.DateOnly)
		dv := dayView{Date: key, Number: d.Day(), Title: r.T("agenda.short_day."+strconv.Itoa(int(d.Weekday()))) + " " + strconv.Itoa(d.Day()),
			InMonth: view != "month" || d.Month() == at.Month(), Today: key == now.Format(time.DateOnly)}
		if view == "day" {
			dv.Title = whenDay(r.T, d)
		}
		for _, s := range coach.OpenOn(d) {
			dv.Open = append(dv.Open, s.Start.In(zone).Format("15:04")+"–"+s.End.In(zone).Format("15:04")+" "+s.Place)
		}
		for _, a := range views {
			if a.Date == key {
				dv.Appointments = append(dv.Appointments, a)
			}
		}
		v.Days = append(v.Days, dv)
	}
	return r.Render(tmplAgenda, "agenda.calendar.title", v)
}
