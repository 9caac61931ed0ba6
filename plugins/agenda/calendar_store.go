package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/instances"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// davPrefix is where calendar apps find the agenda.
const davPrefix = "/dav/agenda"

// calendarStore gives calendar apps a coach's calendar: their appointments,
// their open hours (read-only) and the events they make in the app.
type calendarStore struct{}

func from(ctx context.Context) (*sdk.Request, error) {
	r, ok := sdk.RequestFrom(ctx)
	if !ok {
		return nil, errors.New("agenda: a calendar request without its call")
	}
	return r, nil
}

// davPaths are the person's principal, calendar home and calendar.
func davPaths(r *sdk.Request) (principal, home, calendar string) {
	principal = davPrefix + "/" + strconv.FormatInt(r.UserID(), 10) + "/"
	return principal, principal + "calendars/", principal + "calendars/agenda/"
}

func (calendarStore) CurrentUserPrincipal(ctx context.Context) (string, error) {
	r, err := from(ctx)
	if err != nil {
		return "", err
	}
	p, _, _ := davPaths(r)
	return p, nil
}

func (calendarStore) CalendarHomeSetPath(ctx context.Context) (string, error) {
	r, err := from(ctx)
	if err != nil {
		return "", err
	}
	_, h, _ := davPaths(r)
	return h, nil
}

func (calendarStore) Principal(ctx context.Context) (caldav.Principal, error) {
	r, err := from(ctx)
	if err != nil {
		return caldav.Principal{}, err
	}
	p, h, _ := davPaths(r)
	me := caldav.Principal{Path: p, HomeSet: h, Name: r.UserName()}
	people, err := r.People(r.UserID())
	if err != nil {
		return me, err
	}
	if len(people) == 1 {
		me.Email = people[0].Email
	}
	return me, nil
}

func (calendarStore) CreateCalendar(context.Context, *webcaldav.Calendar) error {
	return caldav.Errorf(http.StatusForbidden, "each coach has one calendar; no others can be made")
}

// calendarOf is the person's calendar; only coaches have one.
func calendarOf(r *sdk.Request) (*webcaldav.Calendar, bool) {
	if !r.Can("agenda.offer") {
		return nil, false
	}
	_, _, path := davPaths(r)
	return &webcaldav.Calendar{Path: path, Name: r.T("agenda.dav.name", map[string]any{"Organisation": r.OrganisationName()}),
		Description: r.T("agenda.dav.about"), MaxResourceSize: 256 << 10, SupportedComponentSet: []string{ical.CompEvent}}, true
}

func (calendarStore) ListCalendars(ctx context.Context) ([]webcaldav.Calendar, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	if c, ok := calendarOf(r); ok {
		return []webcaldav.Calendar{*c}, nil
	}
	return nil, nil
}

func (calendarStore) GetCalendar(ctx context.Context, path string) (*webcaldav.Calendar, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	if c, ok := calendarOf(r); ok && strings.TrimSuffix(path, "/") == strings.TrimSuffix(c.Path, "/") {
		return c, nil
	}
	return nil, caldav.Errorf(http.StatusNotFound, "no calendar at %s; a coach's own is below their principal", path)
}

// nameIn is an object's name in the person's calendar, or a 404; someone
// without a calendar (a coachee, an employer contact) has no objects.
func nameIn(r *sdk.Request, path string) (string, error) {
	c, ok := calendarOf(r)
	if !ok {
		return "", caldav.Errorf(http.StatusNotFound, "no object at %s; only coaches have a calendar here", path)
	}
	name, found := strings.CutPrefix(path, c.Path)
	if !found || name == "" || strings.Contains(name, "/") || len(name) > 200 {
		return "", caldav.Errorf(http.StatusNotFound, "no object at %s", path)
	}
	return name, nil
}

func (s calendarStore) GetCalendarObject(ctx context.Context, path string, _ *webcaldav.CalendarCompRequest) (*webcaldav.CalendarObject, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	name, err := nameIn(r, path)
	if err != nil {
		return nil, err
	}
	var objects []webcaldav.CalendarObject
	switch {
	case strings.HasPrefix(name, "open-"):
		objects, err = openObjects(r)
	default:
		objects, err = appointmentObjects(r, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("uid = ?", strings.TrimSuffix(name, ".ics"))
		})
		if err == nil && len(objects) == 0 {
			objects, err = eventObjects(r, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("name = ?", name) })
		}
	}
	if err != nil {
		return nil, err
	}
	for _, o := range objects {
		if o.Path == path {
			return &o, nil
		}
	}
	return nil, caldav.Errorf(http.StatusNotFound, "no object at %s", path)
}

// GetCalendarObjects reads a calendar-multiget's objects at once, as a
// sync reads the objects it names (objectsNamed); the open hours are
// computed only when one of them is asked for.
func (s calendarStore) GetCalendarObjects(ctx context.Context, paths []string) (map[string]webcaldav.CalendarObject, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	asked := make(map[string]bool, len(paths))
	for _, p := range paths {
		name, err := nameIn(r, p)
		if err != nil {
			continue
		}
		asked[p] = true
		names = append(names, name)
	}
	list, err := objectsNamed(r, names, func() ([]webcaldav.CalendarObject, error) { return openObjects(r) })
	if err != nil {
		return nil, err
	}
	out := make(map[string]webcaldav.CalendarObject, len(list))
	for _, o := range list {
		if asked[o.Path] {
			out[o.Path] = o
		}
	}
	return out, nil
}

// ListCalendarObjects lists the calendar's objects. An empty component
// request (a PROPFIND asking tags and sizes, not data) gets the coach's own
// events without their data: a listing of 10,000 read and decoded every
// one of them.
func (s calendarStore) ListCalendarObjects(ctx context.Context, path string, req *webcaldav.CalendarCompRequest) ([]webcaldav.CalendarObject, error) {
	bare := req != nil && req.Name == "" && !req.AllProps && !req.AllComps && len(req.Props) == 0 && len(req.Comps) == 0
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	return s.objectsIn(r, path, time.Time{}, time.Time{}, bare, func() ([]webcaldav.CalendarObject, error) { return openObjects(r) })
}

// QueryCalendarObjects answers a calendar-query. Its time range on events
// is judged here, as RFC 4791 §9.9 reads it, over each event's instances
// with moved ones where they went (go-webdav's matcher compares strictly
// and looks at recurrence starts only: docs/agenda.md); the rest of the
// filter is go-webdav's.
func (s calendarStore) QueryCalendarObjects(ctx context.Context, path string, q *webcaldav.CalendarQuery) ([]webcaldav.CalendarObject, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	start, end, rest := eventRange(q)
	list, err := s.objectsIn(r, path, start, end, false, func() ([]webcaldav.CalendarObject, error) { return openObjects(r) })
	if err != nil {
		return nil, err
	}
	found, err := webcaldav.Filter(rest, list)
	if err != nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "the query cannot be answered: %v", err)
	}
	if start.IsZero() && end.IsZero() {
		return found, nil
	}
	zone, err := zoneOf(r, r.UserID())
	if err != nil {
		return nil, err
	}
	kept := found[:0]
	for _, o := range found {
		e, err := instances.Read(o.Data, zone)
		if err != nil {
			continue // kept before this server read zones and instances as it does now
		}
		if in, err := e.Between(start, end, 1); len(in) > 0 || errors.Is(err, instances.ErrTooMany) {
			kept = append(kept, o)
		}
	}
	return kept, nil
}

// eventRange is the time range a query asks of events (a time-range on
// VEVENT within VCALENDAR), zero when it asks none, and the query without
// it; any other time range stays in the query for go-webdav to judge.
func eventRange(q *webcaldav.CalendarQuery) (start, end time.Time, rest *webcaldav.CalendarQuery) {
	rest = q
	if q.CompFilter.Name != ical.CompCalendar {
		return start, end, rest
	}
	for i, c := range q.CompFilter.Comps {
		if c.Name != ical.CompEvent || c.Start.IsZero() && c.End.IsZero() {
			continue
		}
		copied := *q
		copied.CompFilter.Comps = append([]webcaldav.CompFilter(nil), q.CompFilter.Comps...)
		copied.CompFilter.Comps[i].Start, copied.CompFilter.Comps[i].End = time.Time{}, time.Time{}
		return c.Start, c.End, &copied
	}
	return start, end, rest
}

// objectsIn lists the calendar's objects that may fall in [start, end)
// (all of them for zero times): the query's filter decides exactly. Bare
// leaves out the data of the coach's own events; the open hours are asked
// for only when the range meets their span.
func (calendarStore) objectsIn(r *sdk.Request, path string, start, end time.Time, bare bool, open openNow) ([]webcaldav.CalendarObject, error) {
	if c, ok := calendarOf(r); !ok || strings.TrimSuffix(path, "/") != strings.TrimSuffix(c.Path, "/") {
		return nil, caldav.Errorf(http.StatusNotFound, "no calendar at %s", path)
	}
	objects, err := appointmentObjects(r, func(q *bun.SelectQuery) *bun.SelectQuery {
		if !start.IsZero() {
			q = q.Where("ends_at > ?", start.UTC())
		}
		if !end.IsZero() {
			q = q.Where("starts_at < ?", end.UTC())
		}
		return q
	})
	if err != nil {
		return nil, err
	}
	list := eventObjects
	if bare {
		list = eventTags
	}
	events, err := list(r, func(q *bun.SelectQuery) *bun.SelectQuery {
		// A recurring event's first time may lie before the range; an
		// event of no length at the range's start is in it.
		if !start.IsZero() {
			q = q.Where("(ends_at >= ? OR recurring = ?)", start.UTC(), true)
		}
		if !end.IsZero() {
			q = q.Where("starts_at < ?", end.UTC())
		}
		return q
	})
	if err != nil {
		return nil, err
	}
	objects = append(objects, events...)
	if !meetsOpenSpan(start, end) {
		return objects, nil
	}
	hours, err := open()
	return append(objects, hours...), err
}

// meetsOpenSpan says whether [start, end) may meet the days whose open
// hours apps are shown, whatever the coach's zone: a month's query a year
// ahead need not compute nine weeks of them.
func meetsOpenSpan(start, end time.Time) bool {
	now := time.Now()
	first, last := now.AddDate(0, 0, -openBack-2), now.AddDate(0, 0, openAhead+2)
	return (end.IsZero() || end.After(first)) && (start.IsZero() || start.Before(last))
}
