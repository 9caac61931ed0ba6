package availability

import (
	"sort"
	"time"
)

// span is an open stretch of time with its place.
type span struct {
	from, to time.Time
	place    string
}

// Free lists the slots a session can be booked in between from and to, as
// of now, earliest first. Days are the coach's days in the coach's zone;
// slots are returned in UTC for the caller to show in the viewer's zone.
func Free(c Coach, s Session, from, to, now time.Time) []Slot {
	if s.Duration <= 0 || c.Zone == nil || !to.After(from) {
		return nil
	}
	step := s.Step
	if step <= 0 {
		step = s.Duration
	}
	earliest := now.Add(s.MinNotice)
	var out []Slot
	day := time.Date(from.In(c.Zone).Year(), from.In(c.Zone).Month(), from.In(c.Zone).Day(), 0, 0, 0, 0, c.Zone)
	for ; day.Before(to); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, c.Zone) {
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, c.Zone)
		booked := 0
		for _, b := range c.Busy {
			if b.Appointment && !b.From.Before(day) && b.From.Before(next) {
				booked++
			}
		}
		for _, open := range c.open(day, next) {
			for start := open.from; !start.Add(s.Duration).After(open.to); start = start.Add(step) {
				end := start.Add(s.Duration)
				switch {
				case start.Before(from) || end.After(to) || start.Before(earliest):
					continue
				case s.MaxAhead > 0 && start.After(now.Add(s.MaxAhead)):
					continue
				case s.DailyMax > 0 && booked >= s.DailyMax:
					continue
				case c.taken(start.Add(-s.BufferBefore), end.Add(s.BufferAfter)):
					continue
				}
				out = append(out, Slot{Start: start.UTC(), End: end.UTC(), Place: open.place})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return dedupe(out)
}

// open is the day's open time: its weekly hours and extra hours, less time
// off, as separate stretches.
func (c Coach) open(day, next time.Time) []span {
	var spans []span
	for _, w := range c.Weekly {
		if w.Day != day.Weekday() || w.End <= w.Start {
			continue
		}
		spans = append(spans, span{w.Start.On(day), w.End.On(day), w.Place})
	}
	for _, ch := range c.Changes {
		if ch.Open && ch.From.Before(next) && ch.To.After(day) {
			spans = append(spans, span{maxTime(ch.From, day), minTime(ch.To, next), ch.Place})
		}
	}
	for _, ch := range c.Changes {
		if !ch.Open {
			spans = cut(spans, ch.From, ch.To)
		}
	}
	return spans
}

// taken tells whether anything busy overlaps [from, to).
func (c Coach) taken(from, to time.Time) bool {
	for _, b := range c.Busy {
		if b.From.Before(to) && b.To.After(from) {
			return true
		}
	}
	return false
}

// cut removes [from, to) from every span.
func cut(spans []span, from, to time.Time) []span {
	var out []span
	for _, s := range spans {
		if !s.from.Before(to) || !s.to.After(from) { // no overlap
			out = append(out, s)
			continue
		}
		if s.from.Before(from) {
			out = append(out, span{s.from, from, s.place})
		}
		if s.to.After(to) {
			out = append(out, span{to, s.to, s.place})
		}
	}
	return out
}

// dedupe drops a slot offered twice (weekly and extra hours overlapping).
func dedupe(slots []Slot) []Slot {
	out := slots[:0]
	for i, s := range slots {
		if i > 0 && s.Start.Equal(out[len(out)-1].Start) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// OpenOn is the coach's open time on the day that holds t (in the coach's
// zone): weekly and extra hours less time off, earliest first, whether or
// not anything is booked in it. The agenda shows it around appointments.
func (c Coach) OpenOn(t time.Time) []Slot {
	local := t.In(c.Zone)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, c.Zone)
	var out []Slot
	for _, s := range c.open(day, time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, c.Zone)) {
		out = append(out, Slot{Start: s.from, End: s.to, Place: s.place})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}
