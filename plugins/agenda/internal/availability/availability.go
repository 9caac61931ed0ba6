// Package availability computes when a coach is free to be booked: their
// weekly hours and one-off changes in their own time zone, minus what is
// already planned with the buffers a session type asks, within the notice
// and horizon it allows. It is plain Go on plain values, so the agenda's
// pages, its CalDAV side and its tests all ask the same question the same way.
package availability

import (
	"fmt"
	"time"
)

// Clock is a time of day in minutes after midnight, "09:30" = 570.
type Clock int

// ParseClock reads "HH:MM" (24 hours).
func ParseClock(s string) (Clock, error) {
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || len(s) != 5 || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("availability: %q is not a time of day such as 09:30", s)
	}
	return Clock(h*60 + m), nil
}

// String is "HH:MM".
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// On is the moment the clock reads on day's date, in day's zone. A time
// that does not exist that day (skipped by daylight saving) moves forward as
// Go's time.Date does: 02:30 on the spring-forward night is 03:30; 24:00 is
// the next midnight.
func (c Clock) On(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(c)/60, int(c)%60, 0, 0, day.Location())
}

// Weekly is a block of recurring hours, such as Monday 09:00–12:00 online.
type Weekly struct {
	Day        time.Weekday
	Start, End Clock
	Place      string // "online" or a location's name
}

// Change is a one-off change: extra hours (Open) or time off (not Open).
type Change struct {
	From, To time.Time
	Open     bool
	Place    string // for extra hours
}

// Busy is time already taken: an appointment or a private event in the
// coach's own calendar.
type Busy struct {
	From, To    time.Time
	Appointment bool // counts towards the daily maximum
}

// Session is what a session type asks of the time booked.
type Session struct {
	Duration     time.Duration
	BufferBefore time.Duration // free time the coach needs before it
	BufferAfter  time.Duration // and after it
	MinNotice    time.Duration // no booking closer to now than this
	MaxAhead     time.Duration // no booking further than this (0: no limit)
	DailyMax     int           // most appointments a day (0: no limit)
	Step         time.Duration // between possible starts (0: the duration)
}

// Coach is one coach's hours and what is taken.
type Coach struct {
	Zone    *time.Location
	Weekly  []Weekly
	Changes []Change
	Busy    []Busy
}

// Slot is a time that can be booked.
type Slot struct {
	Start, End time.Time
	Place      string
}
