package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"github.com/teambition/rrule-go"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/availability"
	"github.com/atriumhq/atrium/plugins/agenda/caldav"
)

// privateEvent is an event a coach made in their own calendar app: Atrium
// keeps it as the app sent it and, unless it is free time, counts it as busy
// so that nobody books the coach then.
type privateEvent struct {
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
	Busy           bool       `bun:"busy,notnull"`
	UpdatedAt      time.Time  `bun:"updated_at,notnull"`
}

// Bounds on what a calendar app may store.
const (
	maxOccurrences = 1000                     // of one recurring event within the horizon
	horizon        = 2 * 365 * 24 * time.Hour // how far ahead recurrences are checked
)

// parsed is what Atrium reads of a calendar an app sends.
type parsed struct {
	UID        string
	Start, End time.Time
	Status     string
	Recurring  bool
	Until      *time.Time
	Busy       bool
	Data       string
}

// parseEvent checks a calendar object an app sends and reads what Atrium
// needs of it; a refusal names what is wrong, with its status.
func parseEvent(cal *ical.Calendar, now time.Time) (*parsed, error) {
	kind, uid, err := webcaldav.ValidateCalendarObject(cal)
	if err != nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "not a calendar object this server takes: %v", err)
	}
	if kind != ical.CompEvent {
		return nil, caldav.Errorf(http.StatusForbidden, "this calendar holds events (VEVENT), not %s", kind)
	}
	var master *ical.Component
	for _, c := range cal.Children {
		if c.Name == ical.CompEvent && c.Props.Get(ical.PropRecurrenceID) == nil {
			master = c
			break
		}
	}
	if master == nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "the event has no main VEVENT (one without RECURRENCE-ID)")
	}
	ev := ical.Event{Component: master}
	start, err := ev.DateTimeStart(time.UTC)
	if err != nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "DTSTART cannot be read (a time zone that does not exist?): %v", err)
	}
	end, err := ev.DateTimeEnd(time.UTC)
	if err != nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "DTEND or DURATION cannot be read: %v", err)
	}
	if end.IsZero() || end.Before(start) {
		end = start
		if p := master.Props.Get(ical.PropDateTimeStart); p != nil && p.ValueType() == ical.ValueDate {
			end = start.AddDate(0, 0, 1) // an all-day event without an end is one day
		}
	}
	p := &parsed{UID: uid, Start: start.UTC(), End: end.UTC()}
	p.Status, _ = master.Props.Text(ical.PropStatus)
	transp, _ := master.Props.Text(ical.PropTransparency)
	p.Busy = !strings.EqualFold(transp, "TRANSPARENT") && !strings.EqualFold(p.Status, "CANCELLED")
	if err := p.recurrence(master, now); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, caldav.Errorf(http.StatusBadRequest, "the calendar cannot be written back: %v", err)
	}
	p.Data = buf.String()
	return p, nil
}

// recurrence reads a recurring event's rule. A rule may go on for ever
// (a weekly meeting does), but not so often that it gives more than
// maxOccurrences times within the horizon: such a rule is refused, as one
// that never ends would be unbounded work for everyone who reads it.
func (p *parsed) recurrence(master *ical.Component, now time.Time) error {
	rule, err := master.Props.RecurrenceRule()
	if err != nil {
		return caldav.Errorf(http.StatusBadRequest, "the recurrence rule cannot be read: %v", err)
	}
	if rule == nil {
		return nil
	}
	p.Recurring = true
	set, err := master.RecurrenceSet(time.UTC)
	if err != nil {
		return caldav.Errorf(http.StatusBadRequest, "the recurrence cannot be read: %v", err)
	}
	// Counted over the horizon from now, or from the first time when that
	// is later.
	end := now.Add(horizon)
	if p.Start.After(now) {
		end = p.Start.Add(horizon)
	}
	next, n, last := set.Iterator(), 0, time.Time{}
	for at, ok := next(); ok; at, ok = next() {
		if at.After(end) {
			return nil // goes on beyond the horizon: Until stays nil
		}
		if n++; n > maxOccurrences {
			return caldav.Errorf(http.StatusBadRequest, "the recurrence gives more than %d times within two years; use a rule that repeats less often or ends", maxOccurrences)
		}
		last = at
	}
	until := last.UTC()
	p.Until = &until
	return nil
}

// busyIn is the coach's private busy time that overlaps [from, to):
// single events as they are, recurring ones at each time within the span.
func busyIn(ctx context.Context, db bun.IDB, orgID, coachID int64, from, to time.Time) ([]availability.Busy, error) {
	var list []privateEvent
	err := db.NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ? AND busy = ? AND starts_at < ?", orgID, coachID, true, to.UTC()).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("recurring = ? AND ends_at > ?", false, from.UTC()).
				WhereOr("recurring = ? AND (until IS NULL OR until > ?)", true, from.Add(-24*time.Hour).UTC())
		}).Scan(ctx)
	if err != nil {
		return nil, err
	}
	var out []availability.Busy
	for _, e := range list {
		if !e.Recurring {
			out = append(out, availability.Busy{From: e.StartsAt, To: e.EndsAt})
			continue
		}
		cal, err := caldav.Decode([]byte(e.Data))
		if err != nil {
			return nil, fmt.Errorf("agenda: event %d: %w", e.ID, err)
		}
		length := e.EndsAt.Sub(e.StartsAt)
		for _, c := range cal.Children {
			if c.Name != ical.CompEvent || c.Props.Get(ical.PropRecurrenceID) != nil {
				continue
			}
			set, err := c.RecurrenceSet(time.UTC)
			if err != nil || set == nil {
				continue
			}
			for _, at := range between(set, from.Add(-length), to) {
				out = append(out, availability.Busy{From: at, To: at.Add(length)})
			}
		}
	}
	return out, nil
}

// between lists a recurrence's times in [from, to), at most maxOccurrences.
func between(set *rrule.Set, from, to time.Time) []time.Time {
	times := set.Between(from, to, true)
	if len(times) > 0 && !times[len(times)-1].Before(to) {
		times = times[:len(times)-1]
	}
	return times[:min(len(times), maxOccurrences)]
}

// etagOf is a short hash of an object's data.
func etagOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}
