package events

import (
	"testing"
	"time"

	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
)

// FuzzParseEvent feeds Parse any calendar text: it never panics, and
// what it accepts reads back the same from what it keeps.
func FuzzParseEvent(f *testing.F) {
	event := func(extra string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260101T000000Z\r\n" + extra + "END:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	for _, seed := range []string{
		event("DTSTART:20301201T120000Z\r\nDTEND:20301201T130000Z\r\n"),
		event("DTSTART;TZID=Europe/Amsterdam:20301201T120000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n"),
		event("DTSTART;VALUE=DATE:20301201\r\nTRANSP:TRANSPARENT\r\n"),
		event("DTSTART:20301201T120000Z\r\nRRULE:FREQ=DAILY;UNTIL=20311201T000000Z\r\nEXDATE:20301202T120000Z\r\n"),
		event("DTSTART;TZID=Nowhere/Land:20301201T120000\r\n"),
		event("DTSTART:20301201T120000Z\r\nRRULE:FREQ=SECONDLY\r\n"),
		"BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Custom\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n" +
			"BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Custom:20301201T120000\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n" +
			"BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID;TZID=Custom:20301208T120000\r\nDTSTART:20301209T120000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
	} {
		f.Add(seed)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		cal, err := caldav.Decode([]byte(text))
		if err != nil {
			return
		}
		p, err := Parse(cal, time.UTC, now)
		if err != nil {
			return
		}
		again, err := caldav.Decode([]byte(p.Data))
		if err != nil {
			t.Fatalf("kept data does not read again: %v\n%s", err, p.Data)
		}
		q, err := Parse(again, time.UTC, now)
		if err != nil {
			t.Fatalf("kept data is refused the second time: %v\n%s", err, p.Data)
		}
		if q.UID != p.UID || !q.Start.Equal(p.Start) || !q.End.Equal(p.End) || q.Busy != p.Busy || q.Recurring != p.Recurring {
			t.Fatalf("kept data reads differently: %+v then %+v", p, q)
		}
	})
}
