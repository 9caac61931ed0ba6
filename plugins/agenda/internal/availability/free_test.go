package availability

import (
	"strings"
	"testing"
	"time"
)

var amsterdam = mustZone("Europe/Amsterdam")

func mustZone(name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return z
}

// at is a moment in Amsterdam.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, amsterdam)
}

// starts lists slot starts as Amsterdam "15:04" (with the date when asked).
func starts(slots []Slot, layout string) string {
	var out []string
	for _, s := range slots {
		out = append(out, s.Start.In(amsterdam).Format(layout))
	}
	return strings.Join(out, " ")
}

func hours(day time.Weekday, from, to string) Weekly {
	a, _ := ParseClock(from)
	b, _ := ParseClock(to)
	return Weekly{Day: day, Start: a, End: b, Place: "online"}
}

// Monday 2026-12-07; "now" is the Friday before, so notice never bites.
var (
	monday = at(2026, 12, 7, 0, 0)
	friday = at(2026, 12, 4, 12, 0)
	hour   = Session{Duration: time.Hour}
)

func TestFree(t *testing.T) {
	coach := Coach{Zone: amsterdam, Weekly: []Weekly{hours(time.Monday, "09:00", "12:00"), hours(time.Monday, "13:00", "14:30")}}
	day := monday.Add(24 * time.Hour)
	for _, c := range []struct {
		name  string
		coach Coach
		s     Session
		now   time.Time
		want  string
	}{
		{"weekly hours, whole sessions only", coach, hour, friday, "09:00 10:00 11:00 13:00"},
		{"a shorter step", coach, Session{Duration: time.Hour, Step: 30 * time.Minute}, friday, "09:00 09:30 10:00 10:30 11:00 13:00 13:30"},
		{"an appointment and its buffers", Coach{Zone: amsterdam, Weekly: coach.Weekly, Busy: []Busy{{From: at(2026, 12, 7, 10, 0), To: at(2026, 12, 7, 11, 0), Appointment: true}}},
			Session{Duration: time.Hour, BufferBefore: 15 * time.Minute, BufferAfter: 15 * time.Minute, Step: 15 * time.Minute}, friday, "13:00 13:15 13:30"},
		{"minimum notice", coach, Session{Duration: time.Hour, MinNotice: 2 * time.Hour}, at(2026, 12, 7, 8, 30), "11:00 13:00"},
		{"bookable only so far ahead", coach, Session{Duration: time.Hour, MaxAhead: 3 * 24 * time.Hour}, at(2026, 12, 4, 10, 30), "09:00 10:00"},
		{"the daily maximum reached", Coach{Zone: amsterdam, Weekly: coach.Weekly, Busy: []Busy{{From: at(2026, 12, 7, 13, 0), To: at(2026, 12, 7, 14, 0), Appointment: true}}},
			Session{Duration: time.Hour, DailyMax: 1}, friday, ""},
		{"a private event blocks but does not count", Coach{Zone: amsterdam, Weekly: coach.Weekly, Busy: []Busy{{From: at(2026, 12, 7, 13, 0), To: at(2026, 12, 7, 14, 0)}}},
			Session{Duration: time.Hour, DailyMax: 1}, friday, "09:00 10:00 11:00"},
		{"an afternoon off", Coach{Zone: amsterdam, Weekly: coach.Weekly, Changes: []Change{{From: at(2026, 12, 7, 11, 30), To: at(2026, 12, 7, 18, 0)}}}, hour, friday, "09:00 10:00"},
		{"extra hours on the day", Coach{Zone: amsterdam, Weekly: coach.Weekly, Changes: []Change{{From: at(2026, 12, 7, 16, 0), To: at(2026, 12, 7, 18, 0), Open: true, Place: "Utrecht"}}},
			hour, friday, "09:00 10:00 11:00 13:00 16:00 17:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := starts(Free(c.coach, c.s, monday, day, c.now), "15:04"); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestFreeAcrossDaylightSaving: on the night clocks go forward (Sunday
// 2027-03-28 in Amsterdam) hours 01:00–04:00 are two real hours, and the
// slots are where the coach's clock says.
func TestFreeAcrossDaylightSaving(t *testing.T) {
	coach := Coach{Zone: amsterdam, Weekly: []Weekly{hours(time.Sunday, "01:00", "04:00")}}
	sunday := at(2027, 3, 28, 0, 0)
	slots := Free(coach, hour, sunday, sunday.Add(24*time.Hour), at(2027, 3, 1, 0, 0))
	if got := starts(slots, "15:04 MST"); got != "01:00 CET 03:00 CEST" {
		t.Errorf("got %q", got)
	}
	// A week later the same hours give three slots again.
	next := at(2027, 4, 4, 0, 0)
	if got := starts(Free(coach, hour, next, next.Add(24*time.Hour), at(2027, 3, 1, 0, 0)), "15:04"); got != "01:00 02:00 03:00" {
		t.Errorf("a week later: %q", got)
	}
	// Autumn: 2027-10-31 has 02:00–03:00 twice; hours 01:00–04:00 are four real hours.
	autumn := at(2027, 10, 31, 0, 0)
	if n := len(Free(coach, hour, autumn, autumn.Add(25*time.Hour), at(2027, 10, 1, 0, 0))); n != 4 {
		t.Errorf("autumn night: %d slots, want 4", n)
	}
}

// TestFreeInAnotherZone: slots come back in UTC; a viewer in New York sees
// the coach's 09:00 as 03:00.
func TestFreeInAnotherZone(t *testing.T) {
	coach := Coach{Zone: amsterdam, Weekly: []Weekly{hours(time.Monday, "09:00", "10:00")}}
	slots := Free(coach, hour, monday, monday.Add(24*time.Hour), friday)
	if len(slots) != 1 || slots[0].Start.Location() != time.UTC || slots[0].Start.In(mustZone("America/New_York")).Format("15:04") != "03:00" {
		t.Fatalf("slots: %+v", slots)
	}
}

func TestFreeRefusesNonsense(t *testing.T) {
	coach := Coach{Zone: amsterdam, Weekly: []Weekly{hours(time.Monday, "12:00", "09:00")}}
	if got := Free(coach, hour, monday, monday.Add(24*time.Hour), friday); len(got) != 0 {
		t.Errorf("hours ending before they start: %v", got)
	}
	if got := Free(Coach{Zone: amsterdam}, Session{}, monday, monday.Add(time.Hour), friday); got != nil {
		t.Errorf("a session without duration: %v", got)
	}
	for _, bad := range []string{"9:00", "25:00", "12:60", "noon", "24:30", ""} {
		if _, err := ParseClock(bad); err == nil {
			t.Errorf("ParseClock(%q) accepted", bad)
		}
	}
	if c, err := ParseClock("24:00"); err != nil || c.String() != "24:00" {
		t.Errorf("end of day: %v %v", c, err)
	}
}

// TestOpenOn lists a day's open time: weekly hours and extra hours, less
// time off, whatever is booked.
func TestOpenOn(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Amsterdam")
	monday := time.Date(2026, 12, 7, 0, 0, 0, 0, zone)
	c := Coach{Zone: zone,
		Weekly:  []Weekly{{Day: time.Monday, Start: 9 * 60, End: 12 * 60, Place: "online"}},
		Changes: []Change{{From: monday.Add(10 * time.Hour), To: monday.Add(11 * time.Hour)}, {From: monday.Add(14 * time.Hour), To: monday.Add(16 * time.Hour), Open: true, Place: "Rotterdam"}},
		Busy:    []Busy{{From: monday.Add(9 * time.Hour), To: monday.Add(10 * time.Hour), Appointment: true}}}
	got := c.OpenOn(monday.Add(13 * time.Hour))
	var text []string
	for _, s := range got {
		text = append(text, s.Start.In(zone).Format("15:04")+"-"+s.End.In(zone).Format("15:04")+" "+s.Place)
	}
	want := []string{"09:00-10:00 online", "11:00-12:00 online", "14:00-16:00 Rotterdam"}
	if strings.Join(text, ", ") != strings.Join(want, ", ") {
		t.Fatalf("open on Monday: %v, want %v", text, want)
	}
	if got := c.OpenOn(monday.AddDate(0, 0, 1)); len(got) != 0 {
		t.Errorf("open on Tuesday: %v", got)
	}
}
