package main

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// tmplAvailability is "My availability".
const tmplAvailability = "availability"

// availabilityView is "My availability": the coach's weekly hours, session
// types and changes, their time zone, the free times of the coming week
// they give, their calendar apps, and the forms to add to each.
type availabilityView struct {
	form
	Hours   []hours.Block
	Types   []hours.SessionType
	Changes []hours.Change
	Zone    string
	ZoneLoc *time.Location
	Free    []string // the first free times of the coming week, as read
	Session string   // the session type they are for ("" for an hour)
	Days    []int    // the weekdays, Monday first
	Apps    *appsView
	// The fields of the forms for changes and session types.
	ChangeFields, TypeFields []string
}

// Availability shows the coach's weekly hours, their time zone and the free
// hours of the coming week that they give.
func (h *Handlers) Availability(r *sdk.Request) error {
	return h.renderAvailability(r, 200, newForm(), "")
}

// renderAvailability shows the page with a form sent back (and with fresh,
// a feed address just made).
func (h *Handlers) renderAvailability(r *sdk.Request, status int, f form, fresh string) error {
	org, coach := r.OrganisationID(), r.UserID()
	v := availabilityView{form: f, Days: make([]int, 7),
		ChangeFields: []string{"first", "last", "change_from", "change_until", "change_place"},
		TypeFields:   []string{"name", "duration", "buffer_before", "buffer_after", "notice", "ahead", "daily_max"}}
	var err error
	if v.Hours, err = h.Hours.Weekly(r.Context, org, coach); err != nil {
		return err
	}
	if v.ZoneLoc, err = h.zoneOf(r, coach); err != nil {
		return err
	}
	if v.Types, err = h.Hours.SessionTypes(r.Context, org, coach); err != nil {
		return err
	}
	now := time.Now()
	if v.Changes, err = h.Hours.Upcoming(r.Context, org, coach, now); err != nil {
		return err
	}
	// The preview uses the first session type, or an hour when there is none.
	session := availability.Session{Duration: time.Hour}
	if len(v.Types) > 0 {
		session, v.Session = v.Types[0].Session(), v.Types[0].Name
	}
	free, err := h.Bookings.Coach(r.Context, org, coach, v.ZoneLoc, now, now.Add(7*24*time.Hour))
	if err != nil {
		return err
	}
	for i, s := range availability.Free(free, session, now, now.Add(7*24*time.Hour), now) {
		if i == 12 {
			break
		}
		v.Free = append(v.Free, s.Start.In(v.ZoneLoc).Format("Mon 2 Jan 15:04"))
	}
	if v.Apps, err = appsOf(r, fresh); err != nil {
		return err
	}
	for i := range v.Days {
		v.Days[i] = (i + 1) % 7 // Monday first
	}
	v.Zone = v.ZoneLoc.String()
	return r.RenderStatus(status, tmplAvailability, "agenda.availability.title", v)
}

// HoursPost adds a block of weekly hours: a day, a start and an end within
// it, a place; it may not overlap another block of the same day.
func (h *Handlers) HoursPost(r *sdk.Request) error {
	f := newForm()
	f.Values = map[string]string{"day": r.Form.Get("day"), "start": r.Form.Get("start"), "end": r.Form.Get("end"), "place": strings.TrimSpace(r.Form.Get("place"))}
	day, err := strconv.Atoi(f.Values["day"])
	if err != nil || day < 0 || day > 6 {
		f.Problems["day"] = "agenda.error.day"
	}
	start, err := availability.ParseClock(f.Values["start"])
	if err != nil {
		f.Problems["start"] = "agenda.error.time"
	}
	end, err := availability.ParseClock(f.Values["end"])
	if err != nil {
		f.Problems["end"] = "agenda.error.time"
	} else if f.Problems["start"] == "" && end <= start {
		f.Problems["end"] = "agenda.error.end_before_start"
	}
	place := placeOf(f, "place")
	weekly, err := h.Hours.Weekly(r.Context, r.OrganisationID(), r.UserID())
	if err != nil {
		return err
	}
	if len(f.Problems) == 0 {
		overlap, full := hours.Conflicts(weekly, day, start, end)
		if overlap {
			f.Problems["start"] = "agenda.error.overlap"
		}
		if full {
			f.Problems["day"] = "agenda.error.too_many"
		}
	}
	if len(f.Problems) > 0 {
		return h.renderAvailability(r, 422, f, "")
	}
	b := &hours.Block{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Weekday: day, StartMin: int(start), EndMin: int(end), Place: place,
		CreatedAt: time.Now().UTC()}
	if err := h.Hours.AddBlock(r.Context, b); err != nil {
		return err
	}
	return r.Redirect("/availability")
}

// placeOf is the place a form names in field ("online" when blank); one
// longer than 80 characters is a problem of the field.
func placeOf(f form, field string) string {
	place := f.Values[field]
	if place == "" {
		place = "online"
	}
	if utf8.RuneCountInString(place) > 80 {
		f.Problems[field] = "agenda.error.place"
	}
	return place
}

// ZonePost sets the time zone the coach's hours are in.
func (h *Handlers) ZonePost(r *sdk.Request) error {
	name := strings.TrimSpace(r.Form.Get("zone"))
	if _, err := time.LoadLocation(name); err != nil || name == "" || name == "Local" {
		return h.renderAvailability(r, 422, form{Values: map[string]string{"zone": name}, Problems: map[string]string{"zone": "agenda.error.zone"}}, "")
	}
	if err := h.Hours.SetZone(r.Context, r.OrganisationID(), r.UserID(), name); err != nil {
		return err
	}
	return r.Redirect("/availability")
}

// SessionTypePost adds a session type: a name, a duration and the rules
// for booking it.
func (h *Handlers) SessionTypePost(r *sdk.Request) error {
	f := newForm()
	for _, field := range []string{"name", "duration", "buffer_before", "buffer_after", "notice", "ahead", "daily_max"} {
		f.Values[field] = r.Form.Get(field)
	}
	name := strings.TrimSpace(f.Values["name"])
	if name == "" || utf8.RuneCountInString(name) > 80 {
		f.Problems["name"] = "agenda.error.name"
	}
	t := &hours.SessionType{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Name: name, CreatedAt: time.Now().UTC(),
		DurationMin:     bounded(f, "duration", 5, 480, 0),
		BufferBeforeMin: bounded(f, "buffer_before", 0, 120, 0),
		BufferAfterMin:  bounded(f, "buffer_after", 0, 120, 0),
		NoticeHours:     bounded(f, "notice", 0, 720, 24),
		AheadDays:       bounded(f, "ahead", 1, 365, 60),
		DailyMax:        bounded(f, "daily_max", 0, 24, 0)}
	if t.DurationMin == 0 && f.Problems["duration"] == "" {
		f.Problems["duration"] = "agenda.error.range_duration"
	}
	if len(f.Problems) > 0 {
		return h.renderAvailability(r, 422, f, "")
	}
	if err := h.Hours.AddSessionType(r.Context, t); err != nil {
		return err
	}
	return r.Redirect("/availability")
}

// bounded reads a whole number from the form within [lo, hi]; a blank
// field is def.
func bounded(f form, field string, lo, hi, def int) int {
	s := strings.TrimSpace(f.Values[field])
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		f.Problems[field] = "agenda.error.range_" + field
	}
	return n
}

// ChangePost adds time off or extra hours: a first and last day (one day
// when the last is blank), and for extra hours the times of day.
func (h *Handlers) ChangePost(r *sdk.Request) error {
	zone, err := h.zoneOf(r, r.UserID())
	if err != nil {
		return err
	}
	f := newForm()
	for _, field := range []string{"kind", "first", "last", "change_from", "change_until", "change_place"} {
		f.Values[field] = strings.TrimSpace(r.Form.Get(field))
	}
	c := hours.NewChange{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Open: f.Values["kind"] == "extra", Now: time.Now()}
	if !c.Open && f.Values["kind"] != "off" {
		f.Problems["kind"] = "agenda.error.kind"
	}
	if c.First, err = time.ParseInLocation(time.DateOnly, f.Values["first"], zone); err != nil {
		f.Problems["first"] = "agenda.error.date"
	}
	c.Last = c.First
	if f.Values["last"] != "" {
		if c.Last, err = time.ParseInLocation(time.DateOnly, f.Values["last"], zone); err != nil || c.Last.Before(c.First) {
			f.Problems["last"] = "agenda.error.last_day"
		}
	}
	if f.Problems["first"] == "" && f.Problems["last"] == "" && c.Last.Sub(c.First) > 366*24*time.Hour {
		f.Problems["last"] = "agenda.error.too_long"
	}
	// Time off is whole days; extra hours are the given times on each day.
	c.From, c.Until = availability.Clock(0), availability.Clock(24*60)
	if c.Open {
		if c.From, err = availability.ParseClock(f.Values["change_from"]); err != nil {
			f.Problems["change_from"] = "agenda.error.time"
		}
		if c.Until, err = availability.ParseClock(f.Values["change_until"]); err != nil {
			f.Problems["change_until"] = "agenda.error.time"
		} else if f.Problems["change_from"] == "" && c.Until <= c.From {
			f.Problems["change_until"] = "agenda.error.end_before_start"
		}
	}
	c.Place = placeOf(f, "change_place")
	if len(f.Problems) > 0 {
		return h.renderAvailability(r, 422, f, "")
	}
	if err := h.Hours.AddChange(r.Context, c); err != nil {
		return err
	}
	return r.Redirect("/availability")
}

// HoursDeletePost, SessionTypeDeletePost and ChangeDeletePost remove one of
// the coach's own blocks, session types or changes; another's, or one that
// is not there, is a 404.
func (h *Handlers) HoursDeletePost(r *sdk.Request) error { return h.deleteOwn(r, h.Hours.DeleteBlock) }

// SessionTypeDeletePost: see HoursDeletePost.
func (h *Handlers) SessionTypeDeletePost(r *sdk.Request) error {
	return h.deleteOwn(r, h.Hours.DeleteSessionType)
}

// ChangeDeletePost: see HoursDeletePost.
func (h *Handlers) ChangeDeletePost(r *sdk.Request) error {
	return h.deleteOwn(r, h.Hours.DeleteChange)
}

func (h *Handlers) deleteOwn(r *sdk.Request, remove func(ctx context.Context, orgID, coachID, id int64) error) error {
	id, err := r.ParamID("id")
	if err != nil {
		return err
	}
	if err := remove(r.Context, r.OrganisationID(), r.UserID(), id); err != nil {
		return err
	}
	return r.Redirect("/availability")
}
