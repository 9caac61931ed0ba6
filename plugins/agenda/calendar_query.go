package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/instances"
)

// Query answers a calendar-query. Its time range on events is judged here,
// as RFC 4791 §9.9 reads it, over each event's instances with moved ones
// where they went (go-webdav's matcher compares strictly and looks at
// recurrence starts only: docs/agenda.md); the rest of the filter is
// go-webdav's. A single event whose stored times are exact (it has no
// floating times, or they were read in the coach's zone as it is now) is
// judged by those times and sent as stored, unread, when the filter asks
// nothing more than a time range: a month's query reads no event.
func (s calendarStore) Query(ctx context.Context, path string, q *webcaldav.CalendarQuery) ([]caldav.Object, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	if c, ok := calendarOf(r); !ok || strings.TrimSuffix(path, "/") != strings.TrimSuffix(c.Path, "/") {
		return nil, caldav.Errorf(http.StatusNotFound, "no calendar at %s", path)
	}
	zone, err := zoneOf(r, r.UserID())
	if err != nil {
		return nil, err
	}
	start, end, rest := eventRange(q)
	// Appointments and open hours are made, read already; events are read
	// only when they must be.
	read, err := appointmentObjects(r, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("ends_at > ? AND starts_at < ?", lowest(start), highest(end))
	})
	if err != nil {
		return nil, err
	}
	if meetsOpenSpan(start, end) {
		open, err := openObjects(r)
		if err != nil {
			return nil, err
		}
		read = append(read, open...)
	}
	var rows []privateEvent
	if err := r.DB().NewSelect().Model(&rows).Column("name", "etag", "data", "updated_at", "starts_at", "ends_at", "recurring", "floating").
		Where("organisation_id = ? AND coach_id = ?", r.OrgID(), r.UserID()).Apply(eventsIn(start, end, zone.String())).
		Order("starts_at").Scan(ctx); err != nil {
		return nil, err
	}
	plain := onlyEvents(rest)
	_, _, base := davPaths(r)
	var out []caldav.Object
	for _, e := range rows {
		o := caldav.Object{CalendarObject: webcaldav.CalendarObject{Path: base + e.Name, ModTime: e.UpdatedAt, ETag: e.ETag, ContentLength: int64(len(e.Data))}, Text: e.Data}
		if plain && !e.Recurring && (e.Floating == "" || e.Floating == zone.String()) {
			if (instances.Instance{Start: e.StartsAt, End: e.EndsAt}).Overlaps(start, end) {
				out = append(out, o)
			}
			continue
		}
		if o.Data, err = caldav.Decode([]byte(e.Data)); err != nil {
			continue // kept before this server read calendars as it does now
		}
		read = append(read, o)
	}
	for _, o := range read {
		ok, err := webcaldav.Match(rest.CompFilter, &o.CalendarObject)
		if err != nil {
			return nil, caldav.Errorf(http.StatusBadRequest, "the query cannot be answered: %v", err)
		}
		if !ok {
			continue
		}
		if !start.IsZero() || !end.IsZero() {
			e, err := instances.Read(o.Data, zone)
			if err != nil {
				continue // as above
			}
			if in, err := e.Between(start, end, 1); len(in) == 0 && !errors.Is(err, instances.ErrTooMany) {
				continue
			}
		}
		out = append(out, o)
	}
	return out, nil
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

// onlyEvents tells a filter that every event of this calendar matches:
// VCALENDAR, with at most a VEVENT that asks nothing more (the calendar
// holds events only).
func onlyEvents(q *webcaldav.CalendarQuery) bool {
	f := q.CompFilter
	if f.Name != ical.CompCalendar || f.IsNotDefined || !f.Start.IsZero() || !f.End.IsZero() || len(f.Props) > 0 || len(f.Comps) > 1 {
		return false
	}
	for _, c := range f.Comps {
		if c.Name != ical.CompEvent || c.IsNotDefined || !c.Start.IsZero() || !c.End.IsZero() || len(c.Props) > 0 || len(c.Comps) > 0 {
			return false
		}
	}
	return true
}

// dayLong is how far a floating time read in one zone may lie from the
// same time read in another.
const dayLong = 48 * time.Hour

// eventsIn keeps the events that may fall in [start, end) (zero: open):
// exact ones by their stored times; recurring ones, whose first time may
// lie before the range, and floating ones read in another zone (zone is
// the coach's now), whose stored times may be off by a day, more widely.
// An event of no length at the range's start is in it.
func eventsIn(start, end time.Time, zone string) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("starts_at < ?", highest(end).Add(dayLong)).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("recurring = ?", true).
				WhereOr("floating IN ('', ?) AND ends_at >= ? AND starts_at < ?", zone, lowest(start), highest(end)).
				WhereOr("floating NOT IN ('', ?) AND ends_at >= ?", zone, lowest(start).Add(-dayLong))
		})
	}
}

// lowest and highest stand for an open side of a range in a comparison
// with stored times.
func lowest(t time.Time) time.Time {
	if t.IsZero() {
		return time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.UTC()
}

func highest(t time.Time) time.Time {
	if t.IsZero() {
		return time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.UTC()
}
