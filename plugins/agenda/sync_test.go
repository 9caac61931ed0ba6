package main

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
)

// TestSyncFollowsOpenHoursAndCountsPerCoach: a sync finds nothing when
// nothing changed, finds the open hours a coach's time off took away
// (they are computed again only when what they come from moved), and a
// coach's sync token counts that coach's changes alone: another coach's
// changes, in the same organisation or another, leave it where it was.
func TestSyncFollowsOpenHoursAndCountsPerCoach(t *testing.T) {
	eachDAVServer(t, func(t *testing.T, s *davServer, cal string) {
		syncFrom := func(s *davServer, cal, token string) (string, string) {
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
			// The calendar (its organisation) and its count of changes.
			m := regexp.MustCompile(`<getctag[^>]*>(\d+)-(\d+)</getctag>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no ctag: %s", body)
			}
			n, _ := strconv.ParseInt(m[2], 10, 64)
			return n
		}

		first, listing := syncFrom(s, cal, "")
		if !strings.Contains(listing, "/open-") {
			t.Fatalf("the first sync lists no open hours: %.800s", listing)
		}
		if again, body := syncFrom(s, cal, first); again != first || strings.Contains(body, "<response") {
			t.Errorf("a sync with nothing changed: token %s after %s, %s", again, first, body)
		}
		before := ctag(s, cal)

		// Another coach, in the same organisation, and a coach of another
		// organisation each change their own calendar three times.
		for i, org := range []string{demo.Slug, "elsewhere"} {
			o := s.app.Organisation(t, org, "Elsewhere")
			if err := s.app.Organisations().SetSubscription(context.Background(), o.ID, tenancy.Plan{Modules: s.app.Modules().IDs(), MaxPeople: 10}, s.app.Modules().IDs()); err != nil {
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
		if _, body := syncFrom(s, cal, first); strings.Contains(body, "<response") {
			t.Errorf("other coaches' changes reached this coach's sync: %s", body)
		}

		// Tomorrow off: its open hours go, and the sync says so.
		tomorrow := time.Now().In(amsterdam(t)).AddDate(0, 0, 1)
		if res := s.coach.PostForm("/m/agenda/availability/changes", url.Values{"kind": {"off"}, "first": {tomorrow.Format(time.DateOnly)}, "last": {tomorrow.Format(time.DateOnly)}}); res.StatusCode != 303 {
			t.Fatalf("time off: %d", res.StatusCode)
		}
		gone := "open-" + tomorrow.Format("20060102") + "T"
		next, body := syncFrom(s, cal, first)
		if next == first || !regexp.MustCompile(regexp.QuoteMeta(gone)+`\d{4}\.ics</href>\s*<status[^>]*>HTTP/1.1 404`).MatchString(body) {
			t.Errorf("the sync after time off tomorrow: token %s (was %s), want %s… as 404: %s", next, first, gone, body)
		}
		if again, body := syncFrom(s, cal, next); again != next || strings.Contains(body, "<response") {
			t.Errorf("a sync after the time off was told: token %s after %s, %s", again, next, body)
		}

		// A token names its calendar's organisation: the same count of
		// another (the address may come to serve another organisation's
		// calendar) is a token this calendar never gave.
		org, count, _ := strings.Cut(strings.TrimPrefix(next, "urn:atrium:sync:"), "-")
		n, _ := strconv.ParseInt(org, 10, 64)
		foreign := fmt.Sprintf("urn:atrium:sync:%d-%s", n+1, count)
		if code, _, body := s.do(t, "REPORT", cal, `<sync-collection xmlns="DAV:"><sync-token>`+foreign+`</sync-token><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>`, "Depth", "1"); code != 403 || !strings.Contains(body, "valid-sync-token") {
			t.Errorf("a token of another organisation: %d %s", code, body)
		}

		// Apps polling at once right after the hours changed take turns
		// telling them (two wrote the same rows: a 500 on PostgreSQL).
		if res := s.coach.PostForm("/m/agenda/availability/changes", url.Values{"kind": {"off"}, "first": {tomorrow.AddDate(0, 0, 1).Format(time.DateOnly)}, "last": {tomorrow.AddDate(0, 0, 1).Format(time.DateOnly)}}); res.StatusCode != 303 {
			t.Fatalf("more time off: %d", res.StatusCode)
		}
		codes := make(chan int, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, _, _ := s.do(t, "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><getctag xmlns="http://calendarserver.org/ns/"/></prop></propfind>`, "Depth", "0")
				codes <- code
			}()
		}
		wg.Wait()
		close(codes)
		for code := range codes {
			if code != 207 {
				t.Errorf("a poll at once with others after the hours changed: %d", code)
			}
		}
	})
}

// TestEventsKeptBeforeAreMarkedSimple: the events an installation kept
// before events said whether they are simple are read once by the
// migration; a single exact one becomes simple (found by its stored
// times), a floating, an all-day and a recurring one stay judged by their
// data, and a calendar-query finds each where it is.
func TestEventsKeptBeforeAreMarkedSimple(t *testing.T) {
	eachDAVServer(t, func(t *testing.T, s *davServer, cal string) {
		ctx := context.Background()
		coach, err := s.app.Identity().ByEmail(ctx, s.user)
		if err != nil {
			t.Fatal(err)
		}
		org := s.app.DemoOrg(t)
		times := map[string]string{
			"exact":     "DTSTART:20301202T090000Z\r\nDTEND:20301202T100000Z\r\n",
			"floating":  "DTSTART:20301202T090000\r\nDTEND:20301202T100000\r\n",
			"all-day":   "DTSTART;VALUE=DATE:20301202\r\n",
			"recurring": "DTSTART:20301125T090000Z\r\nDTEND:20301125T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n",
		}
		var plugin bun.IDB = s.app.Plugins().PluginDB("agenda", org)
		if schema, _, ok := strings.Cut(s.app.Plugins().Table("agenda", "agenda_events"), "."); ok {
			// PostgreSQL: the plugin's tables as its migrations see them.
			conn, err := plugin.(interface {
				Conn(context.Context) (bun.Conn, error)
			}).Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, "SET search_path TO "+schema); err != nil {
				t.Fatal(err)
			}
			plugin = conn
		}
		for name, when := range times {
			ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:" + name + "\r\nDTSTAMP:20300101T000000Z\r\n" + when + "SUMMARY:" + name + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
			if code, _, body := s.do(t, "PUT", cal+name+".ics", ics, "Content-Type", "text/calendar"); code != 201 {
				t.Fatalf("PUT %s: %d %s", name, code, body)
			}
		}
		// As an earlier version kept them.
		if _, err := plugin.NewUpdate().Table("agenda_events").Set("simple = ?", false).Where("coach_id = ?", coach.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := events.MarkSimple(ctx, plugin); err != nil {
			t.Fatal(err)
		}
		var marked []string
		if err := plugin.NewSelect().Table("agenda_events").Column("uid").Where("coach_id = ? AND simple = ?", coach.ID, true).Scan(ctx, &marked); err != nil {
			t.Fatal(err)
		}
		if len(marked) != 1 || marked[0] != "exact" {
			t.Errorf("simple after the migration: %v, want [exact]", marked)
		}
		query := `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>` +
			`<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20301202T000000Z" end="20301202T093000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`
		code, _, body := s.do(t, "REPORT", cal, query, "Depth", "1")
		for name := range times {
			if code != 207 || !strings.Contains(body, "/"+name+".ics") {
				t.Errorf("%s is not found on its day: %d %s", name, code, body)
			}
		}
	})
}

// TestAnswersBeyondTheirBoundAreRefusedWhole: a query or multiget whose
// calendar data would pass 12 MiB (what the host takes from a plugin,
// with room) answers 507 with number-of-matches-within-limits, not a cut
// or failed answer; the same without calendar data answers in full.
func TestAnswersBeyondTheirBoundAreRefusedWhole(t *testing.T) {
	eachDAVServer(t, func(t *testing.T, s *davServer, cal string) {
		long := strings.Repeat("Notes of a long day. ", 11_500) // 241,500 bytes
		const n = 56
		var hrefs strings.Builder
		for i := range n {
			ics := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:big-%d\r\nDTSTAMP:20300101T000000Z\r\n"+
				"DTSTART:20301203T100000Z\r\nDTEND:20301203T103000Z\r\nSUMMARY:Big %d\r\nDESCRIPTION:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", i, i, long)
			if code, _, body := s.do(t, "PUT", cal+fmt.Sprintf("big-%d.ics", i), ics, "Content-Type", "text/calendar"); code != 201 {
				t.Fatalf("PUT %d: %d %.300s", i, code, body)
			}
			hrefs.WriteString(`<d:href>` + cal + fmt.Sprintf("big-%d.ics", i) + `</d:href>`)
		}
		day := `<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20301203T000000Z" end="20301204T000000Z"/></c:comp-filter></c:comp-filter></c:filter>`
		ns := `xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"`
		for _, r := range []struct {
			name, body string
			status     int
		}{
			{"a query with calendar data", `<c:calendar-query ` + ns + `><d:prop><d:getetag/><c:calendar-data/></d:prop>` + day + `</c:calendar-query>`, 507},
			{"a multiget with calendar data", `<c:calendar-multiget ` + ns + `><d:prop><c:calendar-data/></d:prop>` + hrefs.String() + `</c:calendar-multiget>`, 507},
			{"a query without", `<c:calendar-query ` + ns + `><d:prop><d:getetag/></d:prop>` + day + `</c:calendar-query>`, 207},
		} {
			code, _, body := s.do(t, "REPORT", cal, r.body, "Depth", "1")
			switch {
			case code != r.status:
				t.Errorf("%s: %d, want %d: %.300s", r.name, code, r.status, body)
			case code == 507 && !strings.Contains(body, "number-of-matches-within-limits"):
				t.Errorf("%s: 507 without its precondition: %.300s", r.name, body)
			case code == 207 && strings.Count(body, "/big-") != n:
				t.Errorf("%s: %d of %d events", r.name, strings.Count(body, "/big-"), n)
			}
		}
		// A sync asking for calendar data pages at the bound (it read the
		// whole calendar into one answer the host refused: a 503), and its
		// pages give every event once.
		seen := map[string]int{}
		token, pages := "", 0
		syncAll := func() {
			t.Helper()
			clear(seen)
			pages = 0
			for more := true; more; pages++ {
				if pages == 10 {
					t.Fatalf("a sync of %d large events did not end in 10 pages: %v", n, seen)
				}
				code, _, body := s.do(t, "REPORT", cal, `<d:sync-collection `+ns+`><d:sync-token>`+token+`</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:calendar-data/></d:prop></d:sync-collection>`, "Depth", "1")
				if code != 207 || len(body) > 14<<20 {
					t.Fatalf("a sync with calendar data: %d, %d bytes", code, len(body))
				}
				for _, m := range regexp.MustCompile(`<href>[^<]*/(big-\d+\.ics)</href>`).FindAllStringSubmatch(body, -1) {
					seen[m[1]]++
				}
				token, more = tokenIn(body), strings.Contains(body, "507 Insufficient Storage")
			}
			if len(seen) != n || pages < 2 {
				t.Errorf("a sync with calendar data gave %d of %d events in %d pages", len(seen), n, pages)
			}
			for name, times := range seen {
				if times != 1 {
					t.Errorf("%s was sent %d times", name, times)
				}
			}
		}
		syncAll()
		// Then all of them change: the sync from the last token pages too.
		for i := range n {
			ics := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:big-%d\r\nDTSTAMP:20300101T000000Z\r\n"+
				"DTSTART:20301203T110000Z\r\nDTEND:20301203T113000Z\r\nSUMMARY:Big %d, later\r\nDESCRIPTION:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", i, i, long)
			if code, _, body := s.do(t, "PUT", cal+fmt.Sprintf("big-%d.ics", i), ics, "Content-Type", "text/calendar"); code != 204 {
				t.Fatalf("PUT %d again: %d %.300s", i, code, body)
			}
		}
		syncAll()
	})
}

// TestCalendarTextAndNamesAsAppsWriteThem: an event whose text holds many
// semicolons (escaped "\;" in invitations and descriptions) is kept (on
// SQLite the plugin wall counted them as statements: a 500), a display
// name too; objects whose names hold percent-escapes are found by a
// multiget of the addresses the listing gives (they were missing); and an
// appointment cancelled by a PUT answers 204, as a DELETE does (a 404 read
// as a failure).
func TestCalendarTextAndNamesAsAppsWriteThem(t *testing.T) {
	eachDAVServer(t, func(t *testing.T, s *davServer, cal string) {
		ics := func(uid string) string {
			return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20300101T000000Z\r\n" +
				"DTSTART:20301205T100000Z\r\nDTEND:20301205T110000Z\r\nSUMMARY:Listed\r\nDESCRIPTION:" + strings.Repeat(`a\; `, 40) + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		}
		for _, name := range []string{"semi.ics", "a%20b.ics", "abc%40example.com.ics"} {
			if code, _, body := s.do(t, "PUT", cal+name, ics(strings.TrimSuffix(name, ".ics")), "Content-Type", "text/calendar"); code != 201 {
				t.Fatalf("PUT %s: %d %.300s", name, code, body)
			}
		}
		if code, _, body := s.do(t, "GET", cal+"semi.ics", ""); code != 200 || strings.Count(body, `a\;`) != 40 {
			t.Errorf("the event with 40 semicolons: %d %.300s", code, body)
		}
		if code, _, body := s.do(t, "PROPPATCH", cal, `<propertyupdate xmlns="DAV:"><set><prop><displayname>`+strings.Repeat("Mine; ", 40)+`</displayname></prop></set></propertyupdate>`); code != 207 || !strings.Contains(body, "200 OK") {
			t.Errorf("a display name with 40 semicolons: %d %.300s", code, body)
		}

		_, _, listing := s.do(t, "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
		var hrefs []string
		for _, m := range regexp.MustCompile(`<href>([^<]*(?:a%20b|abc%40example\.com)\.ics)</href>`).FindAllStringSubmatch(listing, -1) {
			hrefs = append(hrefs, `<d:href>`+m[1]+`</d:href>`)
		}
		if len(hrefs) != 2 {
			t.Fatalf("the listing's escaped names: %v in %.600s", hrefs, listing)
		}
		_, _, got := s.do(t, "REPORT", cal, `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>`+strings.Join(hrefs, "")+`</c:calendar-multiget>`, "Depth", "1")
		if strings.Count(got, "200 OK") != 2 || strings.Contains(got, "404") {
			t.Errorf("a multiget of the listing's escaped names: %s", got)
		}

		appt := ""
		for _, m := range regexp.MustCompile(`<href>([^<]*@atrium\.ics)</href>`).FindAllStringSubmatch(listing, -1) {
			appt = m[1]
		}
		_, _, data := s.do(t, "GET", appt, "")
		cancelled := regexp.MustCompile(`STATUS:[A-Z-]+`).ReplaceAllString(data, "STATUS:CANCELLED")
		if code, h, body := s.do(t, "PUT", appt, cancelled, "Content-Type", "text/calendar"); code != 204 || h.Get("ETag") != "" {
			t.Errorf("cancelling the appointment by a PUT: %d ETag %q %.300s", code, h.Get("ETag"), body)
		}
		if got := s.kim.Get("/m/agenda/book").Doc.Find("#agenda-upcoming li").Length(); got != 0 {
			t.Errorf("the appointment cancelled by a PUT is still coming: %d", got)
		}
	})
}

// TestMovedInstancesAreFoundWhereTheyWent: an instance moved before its
// event's first time is found by a query around where it went (the search
// began at the first time); and a range ending in the last days of the
// year 9999 still finds recurring events (on SQLite, widened by two days,
// it compared as the year 10000, before everything).
func TestMovedInstancesAreFoundWhereTheyWent(t *testing.T) {
	eachDAVServer(t, func(t *testing.T, s *davServer, cal string) {
		ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
			"BEGIN:VEVENT\r\nUID:daily\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20301220T090000Z\r\nDTEND:20301220T100000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nSUMMARY:Daily\r\nEND:VEVENT\r\n" +
			"BEGIN:VEVENT\r\nUID:daily\r\nDTSTAMP:20300101T000000Z\r\nRECURRENCE-ID:20301220T090000Z\r\nDTSTART:20301205T090000Z\r\nDTEND:20301205T100000Z\r\nSUMMARY:Daily, moved early\r\nEND:VEVENT\r\n" +
			"END:VCALENDAR\r\n"
		if code, _, body := s.do(t, "PUT", cal+"daily.ics", ics, "Content-Type", "text/calendar"); code != 201 {
			t.Fatalf("PUT: %d %.300s", code, body)
		}
		for _, r := range [][2]string{{"20301205T000000Z", "20301206T000000Z"}, {"20301222T000000Z", "99991231T235959Z"}} {
			query := `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">` +
				`<c:time-range start="` + r[0] + `" end="` + r[1] + `"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`
			if code, _, body := s.do(t, "REPORT", cal, query, "Depth", "1"); code != 207 || !strings.Contains(body, "/daily.ics") {
				t.Errorf("the daily event from %s to %s: %d %.400s", r[0], r[1], code, body)
			}
		}
	})
}

// eachDAVServer runs fn, in parallel with other tests, on both databases
// against a running server (newDAVServer) and the coach's calendar.
func eachDAVServer(t *testing.T, fn func(t *testing.T, s *davServer, cal string)) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		s := newDAVServer(t, bin, db, nil)
		fn(t, s, s.calendar(t))
	})
}

// TestDataIsBoundedAsWritten: calendar data is bounded as it is written,
// escaped: events whose text is mostly markup characters grow fivefold
// (an "&" is "&amp;"), and 3.8 MB of them passed the host's 16 MiB as an
// answer (a 503). A query of them answers 507; a sync pages through them.
func TestDataIsBoundedAsWritten(t *testing.T) {
	eachDAVServer(t, func(t *testing.T, s *davServer, cal string) {
		const n = 16
		for i := range n {
			ics := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:amp-%d\r\nDTSTAMP:20300101T000000Z\r\n"+
				"DTSTART:20301203T100000Z\r\nDTEND:20301203T103000Z\r\nSUMMARY:A\r\nDESCRIPTION:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", i, strings.Repeat("&", 240_000))
			if code, _, body := s.do(t, "PUT", cal+fmt.Sprintf("amp-%d.ics", i), ics, "Content-Type", "text/calendar"); code != 201 {
				t.Fatalf("PUT %d: %d %.300s", i, code, body)
			}
		}
		ns := `xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"`
		query := `<c:calendar-query ` + ns + `><d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">` +
			`<c:time-range start="20301203T000000Z" end="20301204T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`
		if code, _, body := s.do(t, "REPORT", cal, query, "Depth", "1"); code != 507 || !strings.Contains(body, "number-of-matches-within-limits") {
			t.Errorf("a query of escaped data beyond the bound: %d %.300s", code, body)
		}
		seen := map[string]int{}
		token := ""
		for pages := 0; ; pages++ {
			if pages == 20 {
				t.Fatalf("the sync did not end in 20 pages: %v", seen)
			}
			code, _, body := s.do(t, "REPORT", cal, `<d:sync-collection `+ns+`><d:sync-token>`+token+`</d:sync-token><d:sync-level>1</d:sync-level><d:prop><c:calendar-data/></d:prop></d:sync-collection>`, "Depth", "1")
			if code != 207 {
				t.Fatalf("a sync of escaped data: %d %.300s", code, body)
			}
			for _, m := range regexp.MustCompile(`<href>[^<]*/(amp-\d+\.ics)</href>`).FindAllStringSubmatch(body, -1) {
				seen[m[1]]++
			}
			if token = tokenIn(body); !strings.Contains(body, "507 Insufficient Storage") {
				break
			}
		}
		if len(seen) != n {
			t.Errorf("the sync gave %d of %d events: %v", len(seen), n, seen)
		}
		for name, times := range seen {
			if times != 1 {
				t.Errorf("%s was sent %d times", name, times)
			}
		}
	})
}
