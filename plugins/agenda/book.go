package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/agenda/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// tmplBook is "plan a session", for a coachee and for a coach planning for
// the person of a dossier.
const tmplBook = "book"

// bookable is what a coachee can book, or a coach plan for them: with
// their coach, in a trajectory of their dossier that has sessions left,
// one of the coach's session types. Problem names why nothing can be
// booked.
type bookable struct {
	Dossier    sdk.DossierInfo
	Trajectory sdk.Trajectory
	Coach      sdk.Person
	Zone       *time.Location // the coach's
	Types      []hours.SessionType
	Type       hours.SessionType
	Themes     []settings.Theme
	Problem    string
	// For is the coachee when someone else plans for them (from their
	// dossier); Base is the page's own address.
	For     *sdk.Person
	Base    string
	Coachee int64
}

// errNotPlannable is a dossier the person may not plan in, or whose person
// has no account yet: a 404.
var errNotPlannable = fmt.Errorf("agenda: not a dossier to plan in: %w", sdk.ErrNotFound)

// bookableFor finds what the request's person can book; typeID chooses a
// session type (0: the first).
func (h *Handlers) bookableFor(r *sdk.Request, typeID int64) (*bookable, error) {
	d, err := r.OwnDossier()
	if err != nil {
		return nil, err
	}
	b := &bookable{Base: "/book", Coachee: r.UserID()}
	if d.Level == "none" {
		b.Dossier, b.Problem = d, "agenda.book.no_dossier"
		return b, nil
	}
	return b, h.fill(r, b, d, typeID, "agenda.book.")
}

// plannableFor finds what a coach (or a colleague who may contribute to
// the dossier) can plan for the dossier's person; errNotPlannable when the
// dossier is not theirs to plan in or has no account yet.
func (h *Handlers) plannableFor(r *sdk.Request, typeID int64) (*bookable, error) {
	id, err := r.ParamID("id")
	if err != nil {
		return nil, err
	}
	d, err := r.Dossier(id)
	if err != nil {
		return nil, err
	}
	if !d.Level.AtLeast("contribute") || d.PersonID == 0 {
		return nil, errNotPlannable
	}
	b := &bookable{Base: "/dossiers/" + strconv.FormatInt(d.ID, 10) + "/book", Coachee: d.PersonID}
	people, err := r.People(d.PersonID)
	if err != nil {
		return nil, err
	}
	if len(people) != 1 {
		return nil, errNotPlannable
	}
	b.For = &people[0]
	return b, h.fill(r, b, d, typeID, "agenda.plan.")
}

// fill completes what can be booked in a dossier: its open trajectory, its
// coach, their zone and session types, the organisation's themes; problems
// are worded from the prefix given (the coachee's own words, or the
// planner's).
func (h *Handlers) fill(r *sdk.Request, b *bookable, d sdk.DossierInfo, typeID int64, words string) error {
	b.Dossier = d
	for _, t := range d.Trajectories {
		if t.Open() {
			b.Trajectory = t
			break
		}
	}
	if d.CoachID == 0 {
		b.Problem = words + "no_coach"
		return nil
	}
	if b.Trajectory.ID == 0 {
		b.Problem = words + "no_sessions"
	}
	people, err := r.People(d.CoachID)
	if err != nil {
		return err
	}
	if len(people) == 1 {
		b.Coach = people[0]
	}
	if b.Zone, err = h.zoneOf(r, d.CoachID); err != nil {
		return err
	}
	if b.Types, err = h.Hours.SessionTypes(r.Context, r.OrganisationID(), d.CoachID); err != nil {
		return err
	}
	b.Type = hours.HourSession
	for i, t := range b.Types {
		if i == 0 || t.ID == typeID {
			b.Type = t
		}
	}
	b.Themes, err = h.Settings.Themes(r.Context, r.OrganisationID())
	return err
}

// day is one day of the month view.
type day struct {
	Date    string // YYYY-MM-DD
	Number  int
	InMonth bool
	Free    int
	Today   bool
	Chosen  bool
}

// slotView is a free slot as the viewer reads it.
type slotView struct {
	Start string // RFC 3339, sent back when booking
	Time  string // "10:00–11:00" in the viewer's zone
	Place string
}

// bookView is "plan a session": a month in which days with free time are
// marked, the chosen day's free times, what is coming, and (for the
// coachee) their calendar apps.
type bookView struct {
	B                *bookable
	Month            string // "December 2026"
	Prev, Next, This string // YYYY-MM
	Chosen           string // the start chosen (RFC 3339)
	Problems         map[string]string
	Left             int // sessions left in the trajectory
	Theme            string
	Zone             string
	Weekdays         []string
	Days             []day
	Slots            []slotView
	DayTitle         string
	Upcoming         []apptView
	Apps             *appsView
}

// Book is "plan a session": a month where days with free time are marked,
// and the free times of the chosen day in the viewer's zone.
func (h *Handlers) Book(r *sdk.Request) error {
	b, err := h.bookableFor(r, chosenType(r))
	if err != nil {
		return err
	}
	return h.renderBook(r, b, 200, r.Query.Get("start"), map[string]string{}, "")
}

// Plan is the same page for a coach planning a session for the person of
// a dossier.
func (h *Handlers) Plan(r *sdk.Request) error {
	b, err := h.plannableFor(r, chosenType(r))
	if err != nil {
		return err
	}
	return h.renderBook(r, b, 200, r.Query.Get("start"), map[string]string{}, "")
}

// chosenType is the session type the form or the address names.
func chosenType(r *sdk.Request) int64 {
	typeID, _ := strconv.ParseInt(r.Query.Get("type"), 10, 64)
	if v := r.Form.Get("type"); v != "" {
		typeID, _ = strconv.ParseInt(v, 10, 64)
	}
	return typeID
}

// renderBook shows what can be booked with a start chosen and the problems
// of a booking refused (and with fresh, a feed address just made).
func (h *Handlers) renderBook(r *sdk.Request, b *bookable, status int, chosen string, problems map[string]string, fresh string) error {
	viewer := sdk.Zone(r.TimeZone())
	now := time.Now()
	month, err := time.ParseInLocation("2006-01", r.Query.Get("month"), viewer)
	if err != nil {
		month = time.Date(now.In(viewer).Year(), now.In(viewer).Month(), 1, 0, 0, 0, 0, viewer)
	}
	chosenDay := r.Query.Get("day")
	if at, err := time.Parse(time.RFC3339, chosen); err == nil {
		// A refused booking shows the day it was for again.
		chosenDay, month = at.In(viewer).Format(time.DateOnly), time.Date(at.In(viewer).Year(), at.In(viewer).Month(), 1, 0, 0, 0, 0, viewer)
	}
	v := bookView{B: b, Month: monthTitle(r.T, month), Prev: month.AddDate(0, -1, 0).Format("2006-01"), Next: month.AddDate(0, 1, 0).Format("2006-01"),
		This: month.Format("2006-01"), Chosen: chosen, Problems: problems, Left: b.Trajectory.Planned - b.Trajectory.Booked - b.Trajectory.Used,
		Theme: r.Form.Get("theme"), Zone: viewer.String()}
	if b.Problem == "" {
		// The grid's days from and to the Mondays around the month; the
		// days of the months before and after are bookable too.
		from := month.AddDate(0, 0, -((int(month.Weekday()) + 6) % 7))
		to := month.AddDate(0, 1, 0)
		for to.Weekday() != time.Monday {
			to = to.AddDate(0, 0, 1)
		}
		coach, err := h.Bookings.Coach(r.Context, r.OrganisationID(), b.Dossier.CoachID, b.Zone, from, to)
		if err != nil {
			return err
		}
		free := availability.Free(coach, b.Type.Session(), from, to, now)
		v.Days, v.Slots, v.DayTitle = monthView(r, month, from, to, free, viewer, now, chosenDay)
		v.Weekdays = weekdayNames(r)
	}
	upcoming, err := h.Bookings.OfCoachee(r.Context, r.OrganisationID(), b.Coachee, now, now.AddDate(2, 0, 0))
	if err != nil {
		return err
	}
	v.Upcoming = viewsOf(r, upcoming, viewer)
	if b.For != nil {
		return r.RenderStatus(status, tmplBook, "agenda.plan.title", v)
	}
	if v.Apps, err = appsOf(r, fresh); err != nil {
		return err
	}
	return r.RenderStatus(status, tmplBook, "agenda.book.title", v)
}

// monthView lays the month out in weeks from Monday (first to end),
// counting each day's free slots, and lists the chosen day's.
func monthView(r *sdk.Request, month, first, end time.Time, free []availability.Slot, viewer *time.Location, now time.Time, chosen string) ([]day, []slotView, string) {
	perDay := map[string][]availability.Slot{}
	for _, s := range free {
		key := s.Start.In(viewer).Format(time.DateOnly)
		perDay[key] = append(perDay[key], s)
	}
	var days []day
	for d := first; d.Before(end); d = d.AddDate(0, 0, 1) {
		key := d.Format(time.DateOnly)
		days = append(days, day{Date: key, Number: d.Day(), InMonth: d.Month() == month.Month(), Free: len(perDay[key]),
			Today: key == now.In(viewer).Format(time.DateOnly), Chosen: key == chosen})
	}
	var slots []slotView
	title := ""
	if at, err := time.ParseInLocation(time.DateOnly, chosen, viewer); err == nil {
		title = whenDay(r.T, at)
		for _, s := range perDay[chosen] {
			slots = append(slots, slotView{Start: s.Start.Format(time.RFC3339), Place: s.Place,
				Time: s.Start.In(viewer).Format("15:04") + "–" + s.End.In(viewer).Format("15:04")})
		}
	}
	return days, slots, title
}

// BookPost books the chosen free time for the coachee's trajectory.
func (h *Handlers) BookPost(r *sdk.Request) error {
	b, err := h.bookableFor(r, chosenType(r))
	if err != nil {
		return err
	}
	return h.bookIn(r, b)
}

// PlanPost books the chosen free time for the person of a dossier, as
// planned by their coach or a colleague.
func (h *Handlers) PlanPost(r *sdk.Request) error {
	b, err := h.plannableFor(r, chosenType(r))
	if err != nil {
		return err
	}
	return h.bookIn(r, b)
}

// bookIn books the chosen free time in what can be booked: refused with
// the reason named, 409 when it was taken meanwhile; both sides are mailed
// and the planner goes to the appointment (or, not being its coach, back
// to the dossier).
func (h *Handlers) bookIn(r *sdk.Request, b *bookable) error {
	problems := map[string]string{}
	start, err := time.Parse(time.RFC3339, r.Form.Get("start"))
	if err != nil {
		problems["start"] = "agenda.error.choose_time"
	}
	theme := strings.TrimSpace(r.Form.Get("theme"))
	if theme != "" && !settings.HasTheme(b.Themes, theme) {
		problems["theme"] = "agenda.error.theme"
	}
	if b.Problem != "" {
		problems["start"] = b.Problem
	}
	if len(problems) > 0 {
		return h.renderBook(r, b, 422, r.Form.Get("start"), problems, "")
	}
	a, err := h.Bookings.Book(r.Context, booking.Booking{OrgID: r.OrganisationID(), CoachID: b.Dossier.CoachID, CoacheeID: b.Coachee,
		DossierID: b.Dossier.ID, TrajectoryID: b.Trajectory.ID, BookedBy: r.UserID(), Type: b.Type, Zone: b.Zone, Start: start.UTC(), Theme: theme,
		Now: time.Now()})
	if errors.Is(err, booking.ErrTaken) {
		return h.renderBook(r, b, 409, "", map[string]string{"start": "agenda.error.taken"}, "")
	}
	if err != nil {
		return err
	}
	h.Notify.Recount(r, a)
	h.Notify.Tell(r, a, "booked")
	if b.For != nil && a.CoachID != r.UserID() {
		return r.RedirectToDossier(a.DossierID)
	}
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10) + "?booked=1")
}
