package main

import (
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// apptView is an appointment as one viewer reads it: times in their zone,
// the other side by name.
type apptView struct {
	appointment
	Date string // YYYY-MM-DD
	When string // "Tuesday 3 December 2026 at 10:00"
	Time string // "10:00–11:00"
	With string
}

// appointmentsOf reads the appointments where column ("coach_id" or
// "coachee_id") is the person and that overlap [from, to), by start.
func appointmentsOf(r *sdk.Request, column string, userID int64, from, to time.Time) ([]appointment, error) {
	var list []appointment
	err := r.DB().NewSelect().Model(&list).Where("organisation_id = ?", r.OrganisationID()).Where("? = ?", bun.Ident(column), userID).
		Where("ends_at > ? AND starts_at < ?", from.UTC(), to.UTC()).Order("starts_at").Limit(1000).Scan(r.Context)
	return list, err
}

// viewsOf describes appointments for the request's person in zone.
func viewsOf(r *sdk.Request, list []appointment, zone *time.Location) []apptView {
	var ids []int64
	for _, a := range list {
		ids = append(ids, a.CoachID, a.CoacheeID)
	}
	names := map[int64]string{}
	if len(ids) > 0 {
		people, err := r.People(ids...)
		if err != nil {
			r.Warn("agenda: names unknown", "error", err)
		}
		for _, p := range people {
			names[p.ID] = p.Name
		}
	}
	out := make([]apptView, 0, len(list))
	for _, a := range list {
		with := names[a.CoacheeID]
		if a.CoacheeID == r.UserID() {
			with = names[a.CoachID]
		}
		start := a.StartsAt.In(zone)
		out = append(out, apptView{appointment: a, Date: start.Format(time.DateOnly), When: whenText(r.T, start), With: with,
			Time: start.Format("15:04") + "–" + a.EndsAt.In(zone).Format("15:04")})
	}
	return out
}

// dayView is one day of the coach's agenda.
type dayView struct {
	Date, Title  string
	Number       int
	InMonth      bool
	Today        bool
	Open         []string // "09:00–12:00 online"
	Appointments []apptView
}

// Agenda is the coach's agenda: a day, a week from Monday or a month,
// with their open hours and appointments; links move a period back or on.
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
	list, err := appointmentsOf(r, "coach_id", r.UserID(), from, to)
	if err != nil {
		return err
	}
	coach, err := load(r.Context, r.DB(), r.OrganisationID(), r.UserID(), zone, from, to, 0)
	if err != nil {
		return err
	}
	views := viewsOf(r, list, zone)
	var days []dayView
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
		for _, v := range views {
			if v.Date == key {
				dv.Appointments = append(dv.Appointments, v)
			}
		}
		days = append(days, dv)
	}
	title := r.T("agenda.month."+strconv.Itoa(int(at.Month()))) + " " + strconv.Itoa(at.Year())
	if view == "day" {
		title = whenDay(r.T, at)
	}
	return r.Render("agenda", "agenda.calendar.title", map[string]any{"View": view, "Days": days, "Title": title, "Zone": zone.String(),
		"Date": at.Format(time.DateOnly), "Prev": prev.Format(time.DateOnly), "Next": next.Format(time.DateOnly),
		"Today": now.Format(time.DateOnly), "Weekdays": weekdayNames(r), "Views": []string{"day", "week", "month"}})
}
