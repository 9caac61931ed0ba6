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
	"golang.org/x/sync/errgroup"

	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/instances"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Query answers a calendar-query. Its time range on events is judged here,
// as RFC 4791 §9.9 reads it, over each event's instances with moved ones
// where they went (go-webdav's matcher compares strictly and looks at
// recurrence starts only: docs/agenda.md); the rest of the filter is
// go-webdav's. A simple event (privateEvent.Simple) is judged by its
// stored times and sent as stored, unread, when the filter asks nothing
// more than a time range: a month's query reads no event. Modification
// times are read only when asked for (modTimes): read for every row, they
// were a tenth of the query's time.
func (s calendarStore) Query(ctx context.Context, path string, q *caldav.Query, modTimes bool) ([]caldav.Object, error) {
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
	var rows []privateEvent
	g := new(errgroup.Group)
	g.Go(func() (err error) { zone, err = s.zone(r); return err })
	g.Go(func() (err error) {
		read, err = appointmentObjects(r, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("ends_at > ? AND starts_at < ?", lowest(start), highest(end))
		})
		return err
	})
	if meetsOpenSpan(start, end) {
		g.Go(func() (err error) { open, err = s.openObjects(r); return err })
	}
	g.Go(func() (err error) { rows, err = eventsIn(r, start, end, modTimes); return err })
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
			out = append(out, o) // eventsIn judged its times
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

// dayLong is how far a floating time read in one zone may lie from the
// same time read in another.
const dayLong = 48 * time.Hour

// eventsIn reads the coach's events that may fall in [start, end) (zero:
// open): simple ones judged exactly by their stored times, as
// instances.Instance.Overlaps would (one with a length when it starts
// before the range ends and ends after it starts, one without when it
// starts in the range), found by their start within a day before the
// range; the others (recurring, whose first time may lie before the range,
// floating, whose stored times may be off by a day, or long) more widely,
// for their data to be judged.
func eventsIn(r *sdk.Request, start, end time.Time, modTimes bool) ([]privateEvent, error) {
	columns := []string{"name", "etag", "data", "simple"}
	if modTimes {
		columns = append(columns, "updated_at")
	}
	from, to := lowest(start), highest(end)
	var rows []privateEvent
	err := r.DB().NewSelect().Model(&rows).Column(columns...).
		Where("organisation_id = ? AND coach_id = ? AND simple = ?", r.OrganisationID(), r.UserID(), true).
		Where("starts_at >= ? AND starts_at < ?", from.Add(-24*time.Hour), to).
		Where("(ends_at > ? OR ends_at = starts_at AND starts_at >= ?)", from, from).
		UnionAll(r.DB().NewSelect().Model((*privateEvent)(nil)).Column(columns...).
			Where("organisation_id = ? AND coach_id = ? AND simple = ?", r.OrganisationID(), r.UserID(), false).
			Where("starts_at < ? AND (recurring = ? OR ends_at >= ?)", to.Add(dayLong), true, from.Add(-dayLong))).
		Scan(r.Context)
	return rows, err
}

// lowest and highest stand for an open side of a range in a comparison
// with stored times. The highest is two days short of the year 10000, so
// that it may be widened by dayLong: SQLite compares times as text, where
// the year 10000 comes before 9999.
func lowest(t time.Time) time.Time {
	if t.IsZero() {
		return time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.UTC()
}

func highest(t time.Time) time.Time {
	if ceiling := time.Date(9999, 12, 29, 0, 0, 0, 0, time.UTC); t.IsZero() || t.After(ceiling) {
		return ceiling
	}
	return t.UTC()
}
