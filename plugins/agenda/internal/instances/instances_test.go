package instances

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func parse(t *testing.T, body string) *ical.Calendar {
	t.Helper()
	text := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + strings.ReplaceAll(strings.TrimSpace(body), "\n", "\r\n") + "\r\nEND:VCALENDAR\r\n"
	cal, err := ical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return cal
}

func utc(s string) time.Time {
	t, err := time.Parse("20060102T1504Z", s)
	if err != nil {
		panic(err)
	}
	return t
}

const weekly = `BEGIN:VEVENT
UID:w
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Amsterdam:20261207T090000
DTEND;TZID=Europe/Amsterdam:20261207T110000
RRULE:FREQ=WEEKLY;COUNT=10
EXDATE;TZID=Europe/Amsterdam:20261228T090000
END:VEVENT
BEGIN:VEVENT
UID:w
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=Europe/Amsterdam:20261214T090000
DTSTART;TZID=Europe/Amsterdam:20261216T140000
DTEND;TZID=Europe/Amsterdam:20261216T150000
END:VEVENT
BEGIN:VEVENT
UID:w
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=Europe/Amsterdam:20261221T090000
STATUS:CANCELLED
END:VEVENT`

const outlook = `BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:o
DTSTAMP:20260101T000000Z
DTSTART;TZID="W. Europe Standard Time":20270615T100000
DTEND;TZID="W. Europe Standard Time":20270615T110000
END:VEVENT`

// custom is a zone only its VTIMEZONE explains: UTC+3, with an hour more
// from the last Sunday of March to the last of October.
const custom = `BEGIN:VTIMEZONE
TZID:Custom Time
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0400
TZOFFSETTO:+0300
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZNAME:CST
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
TZOFFSETFROM:+0300
TZOFFSETTO:+0400
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZNAME:CDT
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:c
DTSTAMP:20260101T000000Z
DTSTART;TZID=Custom Time:20270115T100000
DURATION:PT1H
RRULE:FREQ=MONTHLY;COUNT=12
END:VEVENT`

// TestTimeRanges is RFC 4791 §9.9 case by case, each where go-webdav's own
// matcher answered wrongly (docs/agenda.md), and the rest of the table.
func TestTimeRanges(t *testing.T) {
	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	for _, c := range []struct {
		name, body string
		from, to   string
		want       []string // instance starts, UTC
	}{
		{"an event exactly filling the range", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T100000Z\nDTEND:20261208T110000Z\nEND:VEVENT",
			"20261208T1000Z", "20261208T1100Z", []string{"20261208T1000Z"}},
		{"an event ending as the range starts", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T090000Z\nDTEND:20261208T100000Z\nEND:VEVENT",
			"20261208T1000Z", "20261208T1100Z", nil},
		{"an event starting as the range ends", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T110000Z\nDTEND:20261208T120000Z\nEND:VEVENT",
			"20261208T1000Z", "20261208T1100Z", nil},
		{"an all-day event, its day in the calendar's zone", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART;VALUE=DATE:20261208\nEND:VEVENT",
			"20261208T1200Z", "20261208T1300Z", []string{"20261207T2300Z"}},
		{"an all-day event is not the next day's", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART;VALUE=DATE:20261208\nDTEND;VALUE=DATE:20261209\nEND:VEVENT",
			"20261208T2300Z", "20261209T2300Z", nil},
		{"a three-day event", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART;VALUE=DATE:20261208\nDTEND;VALUE=DATE:20261211\nEND:VEVENT",
			"20261210T1200Z", "20261210T1300Z", []string{"20261207T2300Z"}},
		{"no end and no duration: a moment at the range's start", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T100000Z\nEND:VEVENT",
			"20261208T1000Z", "20261208T1100Z", []string{"20261208T1000Z"}},
		{"a moment at the range's end", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T110000Z\nEND:VEVENT",
			"20261208T1000Z", "20261208T1100Z", nil},
		{"a duration reaching into the range", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T093000Z\nDURATION:PT45M\nEND:VEVENT",
			"20261208T1000Z", "20261208T1100Z", []string{"20261208T0930Z"}},
		{"a zero duration at the range's start", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T100000Z\nDURATION:PT0S\nEND:VEVENT",
			"20261208T1000Z", "20261208T1100Z", []string{"20261208T1000Z"}},
		{"a weekly instance that began before the range", weekly, "20261207T0900Z", "20261207T0930Z", []string{"20261207T0800Z"}},
		{"a moved instance is not at its old time", weekly, "20261214T0800Z", "20261214T1000Z", nil},
		{"a moved instance is at its new time", weekly, "20261216T1300Z", "20261216T1400Z", []string{"20261216T1300Z"}},
		{"an excluded date", weekly, "20261228T0000Z", "20261229T0000Z", nil},
		{"a cancelled instance is still an instance (not busy)", weekly, "20261221T0000Z", "20261222T0000Z", []string{"20261221T0800Z"}},
		{"summer time keeps the wall time", weekly, "20270201T0000Z", "20270209T0000Z", []string{"20270201T0800Z", "20270208T0800Z"}},
		{"Outlook's Windows zone", outlook, "20270615T0800Z", "20270615T0801Z", []string{"20270615T0800Z"}},
		{"a zone only its VTIMEZONE explains, in winter", custom, "20270115T0000Z", "20270116T0000Z", []string{"20270115T0700Z"}},
		{"a zone only its VTIMEZONE explains, in summer", custom, "20270715T0000Z", "20270716T0000Z", []string{"20270715T0600Z"}},
		{"an open range lists all", "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T100000Z\nDTEND:20261208T110000Z\nRRULE:FREQ=DAILY;COUNT=3\nEND:VEVENT",
			"", "", []string{"20261208T1000Z", "20261209T1000Z", "20261210T1000Z"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := Read(parse(t, c.body), amsterdam)
			if err != nil {
				t.Fatal(err)
			}
			var from, to time.Time
			if c.from != "" {
				from, to = utc(c.from), utc(c.to)
			}
			list, err := e.Between(from, to, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, i := range list {
				got = append(got, i.Start.UTC().Format("20060102T1504Z"))
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("instances %v, want %v", got, c.want)
			}
		})
	}
}

// TestMovedAndCancelledInstancesAreNotBusy: the original time of a moved
// instance is free, its new time busy, a cancelled one free.
func TestMovedAndCancelledInstancesAreNotBusy(t *testing.T) {
	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	e, err := Read(parse(t, weekly), amsterdam)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.Between(utc("20261213T0000Z"), utc("20261222T0000Z"), 100)
	if err != nil {
		t.Fatal(err)
	}
	busy := map[string]bool{}
	for _, i := range list {
		busy[i.Start.UTC().Format("20060102T1504Z")] = i.Busy
	}
	if len(busy) != 2 || !busy["20261216T1300Z"] || busy["20261221T0800Z"] {
		t.Errorf("busy: %v", busy)
	}
}

// TestBadZonesAndRules: what cannot be read is refused with a reason,
// and a rule of endless instances stops at the bound.
func TestBadZonesAndRules(t *testing.T) {
	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	for name, body := range map[string]string{
		"an unknown zone":   "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART;TZID=Mars/Olympus_Mons:20261208T100000\nEND:VEVENT",
		"a bad offset":      strings.Replace(custom, "TZOFFSETTO:+0300", "TZOFFSETTO:+99", 1),
		"an end too early":  "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T100000Z\nDTEND:20261208T090000Z\nEND:VEVENT",
		"a bad rule":        "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T100000Z\nRRULE:FREQ=FORTNIGHTLY\nEND:VEVENT",
		"only an instance":  "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nRECURRENCE-ID:20261208T100000Z\nDTSTART:20261208T100000Z\nEND:VEVENT",
		"a path-like zone ": "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART;TZID=../../etc/passwd:20261208T100000\nEND:VEVENT",
		// Rules the library would step through without end (hostile review).
		"a rule no second meets": "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20301201T120000Z\nRRULE:FREQ=SECONDLY;INTERVAL=2;BYSECOND=1\nEND:VEVENT",
		"a rule no hour meets":   "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20301201T120000Z\nRRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=1\nEND:VEVENT",
		"a zone of minutes":      strings.Replace(custom, "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "RRULE:FREQ=MINUTELY;INTERVAL=2;BYMINUTE=1", 1),
		// 101 observances, each a rule no year meets (the second review:
		// each was walked to the year 9999 on every read).
		"a zone of 101 observances": strings.Replace(custom, "BEGIN:DAYLIGHT", strings.Repeat("BEGIN:STANDARD\nDTSTART:19701025T030000\nTZOFFSETFROM:+0400\nTZOFFSETTO:+0300\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\nEND:STANDARD\n", 100)+"BEGIN:DAYLIGHT", 1),
	} {
		if _, err := Read(parse(t, body), amsterdam); err == nil {
			t.Errorf("%s was read", name)
		}
	}
	// A rule no year meets is read as its first onset alone, up to 2100.
	never := strings.Replace(custom, "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", 1)
	if onsets, err := onsetsOf(parse(t, never).Children[0].Children[0]); err != nil || len(onsets) != 1 {
		t.Errorf("a rule no year meets: %d onsets, %v", len(onsets), err)
	}
	e, err := Read(parse(t, "BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART:20261208T100000Z\nRRULE:FREQ=HOURLY\nEND:VEVENT"), amsterdam)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Between(time.Time{}, time.Time{}, 1000); err != ErrTooMany {
		t.Errorf("an endless rule listed: %v", err)
	}
}
