// Package instances reads when a calendar object's event takes place: its
// times in the zones it names (IANA, Windows or its own VTIMEZONE), each
// instance of a recurrence (RRULE, RDATE, EXDATE) with the instances a
// RECURRENCE-ID component moved or changed in place of their originals,
// and whether an instance falls in a time range as RFC 4791 §9.9 reads
// one. Queries, busy time and the feed all read events through it, so they
// agree.
package instances

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// Instance is one time an event takes place.
type Instance struct {
	Start, End time.Time // End equals Start for an event of no duration
	AllDay     bool
	// Busy is false for free time (TRANSP:TRANSPARENT) and for a cancelled
	// event or instance (STATUS:CANCELLED).
	Busy bool
	// Moved tells an instance a RECURRENCE-ID component gave.
	Moved bool
}

// Overlaps tells whether the instance falls in the range [from, to) as RFC
// 4791 §9.9 reads a time range (a zero from or to leaves that side open):
// an instance with a length overlaps when it starts before the range ends
// and ends after it starts; one without a length when it starts in the
// range. An all-day instance is its whole day or days.
func (i Instance) Overlaps(from, to time.Time) bool {
	if i.End.After(i.Start) {
		return (from.IsZero() || from.Before(i.End)) && (to.IsZero() || to.After(i.Start))
	}
	return (from.IsZero() || !from.After(i.Start)) && (to.IsZero() || to.After(i.Start))
}

// maxSteps bounds the work of one expansion: a rule's times are read one
// after the other from its start, up to the range's end.
const maxSteps = 100_000

// ErrTooMany is an expansion that would list more instances than asked.
var ErrTooMany = errors.New("the event has more instances in the range than can be listed")

// Event is a calendar object's event read for its times: the main
// component and the instances that RECURRENCE-ID components change.
type Event struct {
	zones    *zones
	floating *time.Location
	master   *ical.Component
	moved    []*ical.Component
	// Start and End are the main component's (its first time).
	Start, End time.Time
	AllDay     bool
	Busy       bool
	set        *rrule.Set
	floats     bool
}

// Read reads a calendar object's event. Floating times and dates are read
// in floating, the zone of the calendar they are shown in.
func Read(cal *ical.Calendar, floating *time.Location) (_ *Event, err error) {
	defer ruleFailed(&err)
	e := &Event{zones: zonesOf(cal), floating: floating}
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		if c.Props.Get(ical.PropRecurrenceID) != nil {
			e.moved = append(e.moved, c)
		} else if e.master == nil {
			e.master = c
		}
	}
	if e.master == nil {
		return nil, errors.New("the event has no main VEVENT (one without RECURRENCE-ID)")
	}
	if e.Start, e.End, e.AllDay, err = e.times(e.master, nil); err != nil {
		return nil, err
	}
	e.Busy = busy(e.master)
	if e.set, err = e.recurrence(); err != nil {
		return nil, err
	}
	return e, nil
}

// expandable refuses the rules the recurrence library may step through
// without end: it walks a rule a period at a time until year 9999, so a
// rule by the second or minute, or by the hour with parts no hour may
// meet (FREQ=SECONDLY;INTERVAL=2;BYSECOND=1 never does), would keep it
// busy for ever. Calendars repeat by the hour at most.
func expandable(opt *rrule.ROption) error {
	switch opt.Freq {
	case rrule.SECONDLY, rrule.MINUTELY:
		return errors.New("the recurrence repeats by the second or minute; this calendar takes rules by the hour at most")
	case rrule.HOURLY:
		if len(opt.Byhour)+len(opt.Byminute)+len(opt.Bysecond)+len(opt.Byweekday)+len(opt.Bymonthday)+len(opt.Byyearday)+
			len(opt.Byweekno)+len(opt.Bymonth)+len(opt.Bysetpos)+len(opt.Byeaster) > 0 {
			return errors.New("an hourly recurrence with BY parts; use a daily rule with BYHOUR")
		}
	}
	return nil
}

// ruleFailed turns a panic of the recurrence library into an error: some
// rules it accepts it cannot expand (BYDAY=20SA within a month).
func ruleFailed(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("the recurrence cannot be expanded: %v", r)
	}
}

// MovedSpan is the earliest and the latest start of the instances that
// RECURRENCE-ID components moved, ok false when there are none: a moved
// instance may lie before the event's first time or after its last, where
// a search by those would miss it.
func (e *Event) MovedSpan() (first, last time.Time, ok bool, err error) {
	defer ruleFailed(&err)
	for _, c := range e.moved {
		p := c.Props.Get(ical.PropRecurrenceID)
		original, _, err := e.timeOf(p, p.Value)
		if err != nil {
			return first, last, false, fmt.Errorf("RECURRENCE-ID cannot be read: %v", err)
		}
		start, _, _, err := e.times(c, &original)
		if err != nil {
			return first, last, false, err
		}
		if !ok || start.Before(first) {
			first = start
		}
		if !ok || start.After(last) {
			last = start
		}
		ok = true
	}
	return first, last, ok, nil
}

// Floating tells whether any of the times read so far was a date or a
// date-time without zone: read in the floating zone, they move with it.
func (e *Event) Floating() bool { return e.floats }

// Recurring tells whether the event repeats.
func (e *Event) Recurring() bool { return e.set != nil }

// busy reads a component's transparency and status.
func busy(c *ical.Component) bool {
	transp, _ := c.Props.Text(ical.PropTransparency)
	status, _ := c.Props.Text(ical.PropStatus)
	return !strings.EqualFold(transp, "TRANSPARENT") && !strings.EqualFold(status, "CANCELLED")
}

// timeOf reads one date or date-time value of a property: a DATE is its
// day's midnight in the floating zone, a date-time with Z is UTC, one with
// TZID is in that zone, one without either is floating.
func (e *Event) timeOf(p *ical.Prop, value string) (t time.Time, date bool, err error) {
	value = strings.TrimSpace(value)
	if p.ValueType() == ical.ValueDate || len(value) == len("20060102") {
		e.floats = true
		t, err = time.ParseInLocation("20060102", value, e.floating)
		return t, true, err
	}
	if strings.HasSuffix(value, "Z") {
		t, err = time.ParseInLocation("20060102T150405Z", value, time.UTC)
		return t, false, err
	}
	loc := e.floating
	if tzid := p.Params.Get(ical.PropTimezoneID); tzid != "" {
		if loc, err = e.zones.location(tzid); err != nil {
			return t, false, err
		}
	} else {
		e.floats = true
	}
	t, err = time.ParseInLocation("20060102T150405", value, loc)
	return t, false, err
}

// times reads a component's start and end: DTEND, or DTSTART plus
// DURATION, or (with neither) a day for a date and no length for a
// date-time. A component without DTSTART (an instance that changed only
// its title) starts at its RECURRENCE-ID, and without DTEND or DURATION it
// lasts as long as the main component.
func (e *Event) times(c *ical.Component, at *time.Time) (start, end time.Time, allDay bool, err error) {
	p := c.Props.Get(ical.PropDateTimeStart)
	switch {
	case p != nil:
		if start, allDay, err = e.timeOf(p, p.Value); err != nil {
			return start, end, allDay, fmt.Errorf("DTSTART cannot be read: %v", err)
		}
	case at != nil:
		start, allDay = *at, e.AllDay
	default:
		return start, end, allDay, errors.New("the event has no DTSTART")
	}
	if p := c.Props.Get(ical.PropDateTimeEnd); p != nil {
		if end, _, err = e.timeOf(p, p.Value); err != nil {
			return start, end, allDay, fmt.Errorf("DTEND cannot be read: %v", err)
		}
		if end.Before(start) {
			return start, end, allDay, errors.New("the event ends before it starts")
		}
		return start, end, allDay, nil
	}
	if p := c.Props.Get(ical.PropDuration); p != nil {
		d, err := p.Duration()
		if err != nil || d < 0 {
			return start, end, allDay, fmt.Errorf("DURATION %q cannot be read", p.Value)
		}
		return start, start.Add(d), allDay, nil
	}
	switch {
	case at != nil && c != e.master:
		return start, start.Add(e.End.Sub(e.Start)), allDay, nil
	case allDay:
		return start, start.AddDate(0, 0, 1), true, nil
	}
	return start, start, false, nil
}

// recurrence builds the main component's recurrence set (nil when it does
// not repeat): its RRULE from its start in its own zone (so a weekly event
// keeps its wall time across summer time), RDATE and EXDATE lists.
func (e *Event) recurrence() (*rrule.Set, error) {
	rp := e.master.Props.Get(ical.PropRecurrenceRule)
	rdates := e.master.Props[ical.PropRecurrenceDates]
	if rp == nil && len(rdates) == 0 {
		return nil, nil
	}
	set := &rrule.Set{}
	set.DTStart(e.Start)
	if rp != nil {
		opt, err := rrule.StrToROption(rp.Value)
		if err != nil {
			return nil, fmt.Errorf("the recurrence rule cannot be read: %v", err)
		}
		if err := expandable(opt); err != nil {
			return nil, err
		}
		opt.Dtstart = e.Start
		if !opt.Until.IsZero() && e.AllDay {
			// An all-day rule's UNTIL is a date in the calendar's zone.
			u := opt.Until
			opt.Until = time.Date(u.Year(), u.Month(), u.Day(), 23, 59, 59, 0, e.floating)
		}
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("the recurrence rule cannot be used: %v", err)
		}
		set.RRule(rule)
	} else {
		set.RDate(e.Start)
	}
	for _, list := range []struct {
		props []ical.Prop
		add   func(time.Time)
	}{{rdates, set.RDate}, {e.master.Props[ical.PropExceptionDates], set.ExDate}} {
		for i := range list.props {
			p := &list.props[i]
			for _, v := range strings.Split(p.Value, ",") {
				v, _, _ = strings.Cut(v, "/") // a PERIOD: its start
				t, _, err := e.timeOf(p, v)
				if err != nil {
					return nil, fmt.Errorf("%s %q cannot be read: %v", p.Name, v, err)
				}
				list.add(t)
			}
		}
	}
	return set, nil
}

// Between lists the event's instances that overlap [from, to) (zero: open
// on that side), in order of start, at most max (ErrTooMany beyond).
// Instances a RECURRENCE-ID component changed replace their originals:
// moved ones are where they went, cancelled ones are not busy.
func (e *Event) Between(from, to time.Time, max int) (_ []Instance, err error) {
	defer ruleFailed(&err)
	moved := map[int64]*ical.Component{}
	for _, c := range e.moved {
		p := c.Props.Get(ical.PropRecurrenceID)
		at, _, err := e.timeOf(p, p.Value)
		if err != nil {
			return nil, fmt.Errorf("RECURRENCE-ID cannot be read: %v", err)
		}
		moved[at.Unix()] = c
	}
	var out []Instance
	add := func(i Instance) error {
		if !i.Overlaps(from, to) {
			return nil
		}
		if len(out) == max {
			return ErrTooMany
		}
		out = append(out, i)
		return nil
	}
	length := e.End.Sub(e.Start)
	days := 0
	if e.AllDay {
		days = int(e.End.Sub(e.Start).Round(24*time.Hour) / (24 * time.Hour))
	}
	if e.set == nil {
		if err := add(Instance{Start: e.Start, End: e.End, AllDay: e.AllDay, Busy: e.Busy}); err != nil {
			return nil, err
		}
	} else {
		next := e.set.Iterator()
		for steps := 0; ; steps++ {
			at, ok := next()
			if !ok || !to.IsZero() && !at.Before(to) {
				break
			}
			if steps == maxSteps {
				return nil, ErrTooMany
			}
			if _, ok := moved[at.Unix()]; ok {
				continue
			}
			end := at.Add(length)
			if e.AllDay {
				end = at.AddDate(0, 0, days)
			}
			if err := add(Instance{Start: at, End: end, AllDay: e.AllDay, Busy: e.Busy}); err != nil {
				return nil, err
			}
		}
	}
	for at, c := range moved {
		original := time.Unix(at, 0)
		start, end, allDay, err := e.times(c, &original)
		if err != nil {
			return nil, err
		}
		if err := add(Instance{Start: start, End: end, AllDay: allDay, Busy: busy(c), Moved: true}); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}
