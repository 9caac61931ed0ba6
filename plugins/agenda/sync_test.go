package main

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestSyncFollowsOpenHoursAndCountsPerCoach: a sync finds nothing when
// nothing changed, finds the open hours a coach's time off took away
// (they are computed again only when what they come from moved), and a
// coach's sync token counts that coach's changes alone: another coach's
// changes, in the same organisation or another, leave it where it was.
func TestSyncFollowsOpenHoursAndCountsPerCoach(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		s := newDAVServer(t, bin, db, nil)
		cal := s.calendar(t)
		sync := func(s *davServer, cal, token string) (string, string) {
			t.Helper()
			code, _, body := s.do(t, "REPORT", cal, `<sync-collection xmlns="DAV:"><sync-token>`+token+`</sync-token><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>`, "Depth", "1")
			if code != 207 {
				t.Fatalf("sync from %q: %d %s", token, code, body)
			}
			return tokenIn(body), body
		}
		ctag := func(s *davServer, cal string) int64 {
			t.Helper()
			_, _, body := s.do(t, "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><getctag xmlns="http://calendarserver.org/ns/"/></prop></propfind>`, "Depth", "0")
			m := regexp.MustCompile(`<getctag[^>]*>(\d+)</getctag>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no ctag: %s", body)
			}
			n, _ := strconv.ParseInt(m[1], 10, 64)
			return n
		}

		first, listing := sync(s, cal, "")
		if !strings.Contains(listing, "/open-") {
			t.Fatalf("the first sync lists no open hours: %.800s", listing)
		}
		if again, body := sync(s, cal, first); again != first || strings.Contains(body, "<response") {
			t.Errorf("a sync with nothing changed: token %s after %s, %s", again, first, body)
		}
		before := ctag(s, cal)

		// Another coach, in the same organisation, and a coach of another
		// organisation each change their own calendar three times.
		for i, org := range []string{demo.Slug, "elsewhere"} {
			o := s.app.Organisation(t, org, "Elsewhere")
			if err := s.app.Organisations().SetSubscription(context.Background(), o.ID, s.app.Modules().IDs(), 10, s.app.Modules().IDs()); err != nil {
				t.Fatal(err)
			}
			email := fmt.Sprintf("coach%d@%s.example", i+2, org)
			s.app.Person(t, o, email, access.RoleCoach)
			u, err := s.app.Identity().ByEmail(context.Background(), email)
			if err != nil {
				t.Fatal(err)
			}
			other := &davServer{app: s.app, user: email}
			if other.pass, err = s.app.Identity().CreateAppPassword(context.Background(), u, "Calendar", ""); err != nil {
				t.Fatal(err)
			}
			theirs := fmt.Sprintf("/dav/agenda/%d/calendars/agenda/", u.ID)
			// A calendar's numbers are its own: a new one's first is 1,
			// however much other calendars changed before.
			start := ctag(other, theirs)
			if start != 1 {
				t.Errorf("%s's first ctag is %d, want 1", email, start)
			}
			for n := range 3 {
				ics := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:theirs-%d\r\nDTSTAMP:20300101T000000Z\r\n"+
					"DTSTART:2030120%dT090000Z\r\nDTEND:2030120%dT100000Z\r\nSUMMARY:Theirs\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", n, n+1, n+1)
				if code, _, body := other.do(t, "PUT", theirs+fmt.Sprintf("theirs-%d.ics", n), ics, "Content-Type", "text/calendar"); code != 201 {
					t.Fatalf("%s's PUT: %d %s", email, code, body)
				}
			}
			if got := ctag(other, theirs); got != start+3 {
				t.Errorf("%s's ctag went from %d to %d after three changes of theirs", email, start, got)
			}
		}
		if got := ctag(s, cal); got != before {
			t.Errorf("the coach's ctag moved from %d to %d with other coaches' changes", before, got)
		}
		if _, body := sync(s, cal, first); strings.Contains(body, "<response") {
			t.Errorf("other coaches' changes reached this coach's sync: %s", body)
		}

		// Tomorrow off: its open hours go, and the sync says so.
		tomorrow := time.Now().In(amsterdam(t)).AddDate(0, 0, 1)
		if res := s.coach.PostForm("/m/agenda/availability/changes", url.Values{"kind": {"off"}, "first": {tomorrow.Format(time.DateOnly)}, "last": {tomorrow.Format(time.DateOnly)}}); res.StatusCode != 303 {
			t.Fatalf("time off: %d", res.StatusCode)
		}
		gone := "open-" + tomorrow.Format("20060102") + "T"
		next, body := sync(s, cal, first)
		if next == first || !regexp.MustCompile(regexp.QuoteMeta(gone)+`\d{4}\.ics</href>\s*<status[^>]*>HTTP/1.1 404`).MatchString(body) {
			t.Errorf("the sync after time off tomorrow: token %s (was %s), want %s… as 404: %s", next, first, gone, body)
		}
		if again, body := sync(s, cal, next); again != next || strings.Contains(body, "<response") {
			t.Errorf("a sync after the time off was told: token %s after %s, %s", again, next, body)
		}
	})
}
