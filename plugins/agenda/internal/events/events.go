// Package events owns the events coaches make in their own calendar apps
// (agenda_events): Atrium keeps each as the app sent it, reads what it
// needs of it (its times, whether it repeats, whether it is busy time),
// and counts it as busy so that nobody books the coach then.
package events

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/instances"
)

// Event is an event a coach made in their own calendar app: Atrium keeps
// it as the app sent it and, unless it is free time, counts it as busy so
// that nobody books the coach then.
type Event struct {
	bun.BaseModel  `bun:"table:agenda_events"`
	ID             int64      `bun:"id,pk,autoincrement"`
	OrganisationID int64      `bun:"organisation_id,notnull"`
	CoachID        int64      `bun:"coach_id,notnull"`
	Name           string     `bun:"name,notnull"` // the object's name in the calendar
	UID            string     `bun:"uid,notnull"`
	ETag           string     `bun:"etag,notnull"`
	Data           string     `bun:"data,notnull"`
	StartsAt       time.Time  `bun:"starts_at,notnull"` // the first time
	EndsAt         time.Time  `bun:"ends_at,notnull"`
	Recurring      bool       `bun:"recurring,notnull"`
	Until          *time.Time `bun:"until"` // the last time's start; nil when it never ends
	// Simple is a single event of exact times (no floating ones, no
	// dates) that lasts a day at most: its times above say all a time
	// range or busy time needs, and a day before a range's start is as far
	// back as it need be looked for.
	Simple    bool      `bun:"simple,notnull"`
	Busy      bool      `bun:"busy,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// Bounds on what a calendar app may store.
const (
	maxOccurrences = 1000                     // of one recurring event within the horizon
	horizon        = 2 * 365 * 24 * time.Hour // how far ahead recurrences are checked
)

// DayLong is how far a floating time read in one zone may lie from the
// same time read in another.
const DayLong = 48 * time.Hour

// Parsed is what Atrium reads of a calendar an app sends.
type Parsed struct {
	UID        string
	Start, End time.Time
	Status     string
	Recurring  bool
	Until      *time.Time
	Busy       bool
	Data       string
	Simple     bool
}

// Parse checks a calendar object an app sends and reads what Atrium needs
// of it, its floating times and dates in zone (the coach's); a refusal
// names what is wrong, with its status.
func Parse(cal *ical.Calendar, zone *time.Location, now time.Time) (*Parsed, error) {
	kind, uid, err := webcaldav.ValidateCalendarObject(cal)
	if err != nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "not a calendar object this server takes: %v", err)
	}
	if kind != ical.CompEvent {
		return nil, caldav.Refuse(http.StatusForbidden, "supported-calendar-component", "", "this calendar holds events (VEVENT), not %s", kind)
	}
	e, err := instances.Read(cal, zone)
	if err != nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "the event cannot be read: %v", err)
	}
	p := &Parsed{UID: uid, Start: e.Start.UTC(), End: e.End.UTC(), Busy: e.Busy, Recurring: e.Recurring()}
	p.Simple = simple(e)
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent && c.Props.Get(ical.PropRecurrenceID) == nil {
			p.Status, _ = c.Props.Text(ical.PropStatus)
			break
		}
	}
	if p.Recurring {
		if p.Until, err = until(e, now); err != nil {
			return nil, err
		}
		// An instance moved before the first time or after the last is
		// searched for there too (a query around it found nothing, and a
		// coachee could book over it).
		first, last, moved, err := e.MovedSpan()
		if err != nil {
			return nil, caldav.Errorf(http.StatusBadRequest, "the event cannot be read: %v", err)
		}
		if moved && first.Before(p.Start) {
			p.Start = first.UTC()
		}
		if moved && p.Until != nil && last.After(*p.Until) {
			l := last.UTC()
			p.Until = &l
		}
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "the calendar cannot be written back: %v", err)
	}
	p.Data = buf.String()
	return p, nil
}

// until is the start of a recurring event's last instance, nil when it
// goes on beyond the horizon. A rule may go on for ever (a weekly meeting
// does), but not so often that it gives more than maxOccurrences times
// within the horizon from now (or from its first time, when that is
// later): such a rule is refused, as one that never ends would be
// unbounded work for everyone who reads it.
func until(e *instances.Event, now time.Time) (*time.Time, error) {
	from := now
	if e.Start.After(now) {
		from = e.Start
	}
	end := from.Add(horizon)
	tooMany := caldav.Errorf(http.StatusBadRequest, "the recurrence gives more than %d times within two years; use a rule that repeats less often or ends", maxOccurrences)
	soon, err := e.Between(from, end, maxOccurrences)
	if err != nil {
		return nil, tooMany
	}
	if later, err := e.Between(end, time.Time{}, 1); err != nil || len(later) > 0 {
		return nil, nil // goes on beyond the horizon
	}
	if len(soon) == 0 {
		// Over before now: its last time is in the past, which is all the
		// busy-time query needs to know.
		last := from.Add(-time.Second).UTC()
		return &last, nil
	}
	last := soon[len(soon)-1].Start.UTC()
	return &last, nil
}

// Busy is the coach's private busy time that overlaps [from, to), read in
// db (a transaction of another service's): single events as they are,
// recurring ones at each instance within the span, with moved and
// cancelled instances as their app changed them. Floating times are the
// coach's (zone).
func Busy(ctx context.Context, db bun.IDB, orgID, coachID int64, zone *time.Location, from, to time.Time) ([]availability.Busy, error) {
	var list []Event
	// A simple event is its stored times; only the others' data is read.
	// Their stored times (a recurring event's last, a floating one's read
	// in the coach's zone of then) may be off by a day, as far as the span
	// is widened for them.
	err := db.NewSelect().Model(&list).Column("id", "starts_at", "ends_at", "simple").ColumnExpr("'' AS data").
		Where("organisation_id = ? AND coach_id = ? AND simple = ? AND busy = ?", orgID, coachID, true, true).
		Where("starts_at >= ? AND starts_at < ? AND ends_at > ?", from.Add(-24*time.Hour).UTC(), to.UTC(), from.UTC()).
		UnionAll(db.NewSelect().Model((*Event)(nil)).Column("id", "starts_at", "ends_at", "simple", "data").
			Where("organisation_id = ? AND coach_id = ? AND simple = ? AND busy = ?", orgID, coachID, false, true).
			Where("starts_at < ?", to.Add(DayLong).UTC()).
			WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("recurring = ? AND ends_at > ?", false, from.Add(-DayLong).UTC()).
					WhereOr("recurring = ? AND (until IS NULL OR until > ?)", true, from.Add(-72*time.Hour).UTC())
			})).Scan(ctx)
	if err != nil {
		return nil, err
	}
	var out []availability.Busy
	for _, e := range list {
		if e.Simple {
			out = append(out, availability.Busy{From: e.StartsAt, To: e.EndsAt})
			continue
		}
		cal, err := caldav.Decode([]byte(e.Data))
		if err != nil {
			return nil, fmt.Errorf("agenda: event %d: %w", e.ID, err)
		}
		ev, err := instances.Read(cal, zone)
		if err != nil {
			return nil, fmt.Errorf("agenda: event %d: %w", e.ID, err)
		}
		list, err := ev.Between(from, to, maxOccurrences)
		if err != nil && err != instances.ErrTooMany {
			return nil, fmt.Errorf("agenda: event %d: %w", e.ID, err)
		}
		for _, i := range list {
			if i.Busy {
				out = append(out, availability.Busy{From: i.Start, To: i.End})
			}
		}
	}
	return out, nil
}

// ETag is a short hash of an object's data.
func ETag(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// simple tells an event that does not repeat, whose times are exact (no
// floating ones, no dates, which move with the coach's zone) and which
// lasts a day at most (Event.Simple).
func simple(e *instances.Event) bool {
	return !e.Recurring() && !e.Floating() && e.End.Sub(e.Start) <= 24*time.Hour
}

// MarkSimple reads the events kept so far once and marks the simple ones;
// one that cannot be read now stays not simple, and is judged by its data.
// A migration runs it.
func MarkSimple(ctx context.Context, db bun.IDB) error {
	for after := int64(0); ; {
		var list []struct {
			ID   int64  `bun:"id"`
			Data string `bun:"data"`
		}
		if err := db.NewSelect().Table("agenda_events").Column("id", "data").Where("id > ?", after).Order("id").Limit(500).Scan(ctx, &list); err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		var ids []int64
		for _, row := range list {
			after = row.ID
			cal, err := caldav.Decode([]byte(row.Data))
			if err != nil {
				continue
			}
			if e, err := instances.Read(cal, time.UTC); err == nil && simple(e) {
				ids = append(ids, row.ID)
			}
		}
		if len(ids) > 0 {
			if _, err := db.NewUpdate().Table("agenda_events").Set("simple = ?", true).Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
				return err
			}
		}
	}
}
