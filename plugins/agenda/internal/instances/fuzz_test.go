package instances

import (
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
)

// FuzzInstances reads any event and lists its instances in a range and
// open-ended: never a panic, never more than asked, always in order, each
// ending no earlier than it starts.
func FuzzInstances(f *testing.F) {
	for _, seed := range []string{weekly, outlook, custom,
		"BEGIN:VEVENT\nUID:a\nDTSTAMP:20260101T000000Z\nDTSTART;VALUE=DATE:20261208\nRRULE:FREQ=DAILY;UNTIL=20261231\nRDATE;VALUE=DATE:20270105,20270106\nEND:VEVENT",
	} {
		f.Add(seed)
	}
	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	f.Fuzz(func(t *testing.T, body string) {
		text := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\n" + strings.ReplaceAll(body, "\n", "\r\n") + "\r\nEND:VCALENDAR\r\n"
		cal, err := caldav.Decode([]byte(text)) // go-ical's decoder alone panics on some text

		if err != nil {
			return
		}
		e, err := Read(cal, amsterdam)
		if err != nil {
			return
		}
		for _, r := range [][2]time.Time{{}, {time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}} {
			list, err := e.Between(r[0], r[1], 50)
			if err != nil {
				continue
			}
			for i, in := range list {
				if in.End.Before(in.Start) || i > 0 && in.Start.Before(list[i-1].Start) || !in.Overlaps(r[0], r[1]) {
					t.Fatalf("instance %d of %v: %+v", i, len(list), in)
				}
			}
		}
	})
}
