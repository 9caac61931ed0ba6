package calendar

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"golang.org/x/sync/errgroup"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
	"github.com/atriumhq/atrium/plugins/agenda/internal/instances"
)

// Query answers a calendar-query. Its time range on events is judged here,
// as RFC 4791 §9.9 reads it, over each event's instances with moved ones
// where they went (go-webdav's matcher compares strictly and looks at
// recurrence starts only: docs/agenda.md); the rest of the filter is
// go-webdav's. A simple event (events.Event.Simple) is judged by its
// stored times and sent as stored, unread, when the filter asks nothing
// more than a time range: a month's query reads no event. Modification
// times are read only when asked for (modTimes): read for every row, they
// were a tenth of the query's time.
func (s *Store) Query(ctx context.Context, path string, q *caldav.Query, modTimes bool) ([]caldav.Object, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	if c, ok := calendarOf(r); !ok || strings.TrimSuffix(path, "/") != strings.TrimSuffix(c.Path, "/") {
		return nil, caldav.Errorf(http.StatusNotFound, "no calendar at %s", path)
	}
	start, end, rest := eventRange(q)
	// Appointments and open hours are made, read already; events are read
	// only when they must be. The reads go at once, one round trip's wait.
	var zone *time.Location
	var read, open []caldav.Object
	var rows []events.Event
	g := new(errgroup.Group)
	g.Go(func() (err error) { zone, err = s.zone(r); return err })
	g.Go(func() (err error) {
		read, err = s.Appointments(r, booking.Scope{From: events.Lowest(start), To: events.Highest(end)})
		return err
	})
	if meetsOpenSpan(start, end) {
		g.Go(func() (err error) { open, err = s.openObjects(r); return err })
	}
	g.Go(func() (err error) {
		rows, err = events.Between(r.Context, s.db.DB(), r.OrganisationID(), r.UserID(), start, end, modTimes)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	read = append(read, open...)
	plain := onlyEvents(rest)
	_, _, base := davPaths(r)
	var out []caldav.Object
	for _, e := range rows {
		o := caldav.Object{CalendarObject: webcaldav.CalendarObject{Path: base + e.Name, ModTime: e.UpdatedAt, ETag: e.ETag, ContentLength: int64(len(e.Data))}, Text: e.Data}
		if plain && e.Simple {
			out = append(out, o) // events.Between judged its times
			continue
		}
		if o.Data, err = caldav.Decode([]byte(e.Data)); err != nil {
			continue // kept before this server read calendars as it does now
		}
		read = append(read, o)
	}
	for _, o := range read {
		ok, err := rest.Matches(&o.CalendarObject)
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
func eventRange(q *caldav.Query) (start, end time.Time, rest *caldav.Query) {
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
func onlyEvents(q *caldav.Query) bool {
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
