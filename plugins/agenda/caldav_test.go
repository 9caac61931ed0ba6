package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// davServer is a running Atrium with the agenda, a coach with open hours
// and one appointment booked by Kim, and an app password for the coach.
type davServer struct {
	app        *coretest.App
	coach, kim *coretest.Client
	user, pass string
	start      string // the booked appointment's start
}

func newDAVServer(t *testing.T, bin string, db config.Database, smtp *coretest.MailServer, configure ...func(*config.Config)) *davServer {
	t.Helper()
	app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		if smtp != nil {
			smtp.Configure(c)
		}
		for _, f := range configure {
			f(c)
		}
	}})
	s := &davServer{app: app, coach: app.Client(t), kim: app.Client(t), user: "coach@harbour.example"}
	s.coach.SignIn("coach@harbour.example")
	s.kim.SignIn("coachee@harbour.example")
	openEveryDay(t, s.coach)
	_, s.start = firstFree(t, s.kim)
	if res := s.kim.PostForm("/m/agenda/book", url.Values{"start": {s.start}}); res.StatusCode != 303 {
		t.Fatalf("booking: %d", res.StatusCode)
	}
	ctx := context.Background()
	u, err := app.Identity().ByEmail(ctx, s.user)
	if err != nil {
		t.Fatal(err)
	}
	if s.pass, err = app.Identity().CreateAppPassword(ctx, u, "Calendar", ""); err != nil {
		t.Fatal(err)
	}
	return s
}

// calendar is the path of the coach's calendar, found as apps find it.
func (s *davServer) calendar(t *testing.T) string {
	t.Helper()
	_, _, body := s.do(t, "PROPFIND", "/dav/agenda/", `<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>`, "Depth", "0")
	_, rest, _ := strings.Cut(body, "<current-user-principal")
	_, rest, _ = strings.Cut(rest, "<href")
	_, rest, _ = strings.Cut(rest, ">")
	principal, _, _ := strings.Cut(rest, "</href>")
	if !strings.HasPrefix(principal, "/dav/agenda/") {
		t.Fatalf("no principal: %s", body)
	}
	return principal + "calendars/agenda/"
}

// do sends one request as the coach's calendar app.
func (s *davServer) do(t *testing.T, method, path, body string, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.app.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(s.user, s.pass)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(data)
}

// TestCalDAVByHand walks what calendar apps do, request by request, on
// both databases.
func TestCalDAVByHand(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		s := newDAVServer(t, bin, db, nil)
		// Discovery: the well-known address and a PROPFIND of the root.
		for _, path := range []string{"/.well-known/caldav", "/"} {
			code, h, _ := s.do(t, "PROPFIND", path, "", "Depth", "0")
			if code != 301 || h.Get("Location") != "/dav/agenda/" {
				t.Errorf("PROPFIND %s: %d %q", path, code, h.Get("Location"))
			}
		}
		cal := s.calendar(t)
		principal := strings.TrimSuffix(cal, "calendars/agenda/")
		// OPTIONS, which apps send first, says CalDAV on every path.
		for _, path := range []string{"/", "/dav/agenda/", principal, cal} {
			code, h, _ := s.do(t, "OPTIONS", path, "")
			if code != 200 && code != 204 || !strings.Contains(h.Get("DAV"), "calendar-access") || !strings.Contains(h.Get("Allow"), "PROPFIND") {
				t.Errorf("OPTIONS %s: %d DAV %q Allow %q", path, code, h.Get("DAV"), h.Get("Allow"))
			}
		}

		// The principal and the calendar answer what apps ask after set-up.
		code, _, body := s.do(t, "PROPFIND", principal, `<propfind xmlns="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><prop><displayname/><principal-URL/><c:calendar-home-set/><c:calendar-user-address-set/><c:schedule-inbox-URL/></prop></propfind>`, "Depth", "0")
		for _, want := range []string{"Chris Jansen", "mailto:coach@harbour.example", principal + "calendars/", "404 Not Found"} {
			if code != 207 || !strings.Contains(body, want) {
				t.Errorf("principal: %d, no %q in %s", code, want, body)
			}
		}
		code, _, body = s.do(t, "PROPFIND", cal, `<propfind xmlns="DAV:" xmlns:cs="http://calendarserver.org/ns/"><prop><cs:getctag/><sync-token/><supported-report-set/><resourcetype/></prop></propfind>`, "Depth", "0")
		for _, want := range []string{"getctag", "urn:atrium:sync:", "sync-collection", "calendar-multiget", `<calendar xmlns="urn:ietf:params:xml:ns:caldav"/>`} {
			if code != 207 || !strings.Contains(body, want) {
				t.Errorf("calendar: %d, no %q in %s", code, want, body)
			}
		}
		ctag := func() string {
			_, _, b := s.do(t, "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><getctag xmlns="http://calendarserver.org/ns/"/></prop></propfind>`, "Depth", "0")
			_, v, _ := strings.Cut(b, `<getctag xmlns="http://calendarserver.org/ns/">`)
			v, _, _ = strings.Cut(v, "<")
			return v
		}
		before := ctag()
		code, _, body = s.do(t, "PROPPATCH", cal, `<propertyupdate xmlns="DAV:"><set><prop><calendar-color xmlns="http://apple.com/ns/ical/">#FF0000FF</calendar-color><calendar-order xmlns="http://apple.com/ns/ical/">2</calendar-order></prop></set></propertyupdate>`)
		if code != 207 || !strings.Contains(body, "200 OK") || strings.Contains(body, "403") {
			t.Errorf("PROPPATCH of the colour: %d %s", code, body)
		}
		// The colour and order stay the person's (Apple Calendar set its
		// colour back when the server forgot it); removed, the default.
		display := `<propfind xmlns="DAV:"><prop><calendar-color xmlns="http://apple.com/ns/ical/"/><calendar-order xmlns="http://apple.com/ns/ical/"/></prop></propfind>`
		if _, _, body := s.do(t, "PROPFIND", cal, display, "Depth", "0"); !strings.Contains(body, "#FF0000FF</calendar-color>") || !strings.Contains(body, ">2</calendar-order>") {
			t.Errorf("the colour and order set: %s", body)
		}
		s.do(t, "PROPPATCH", cal, `<propertyupdate xmlns="DAV:"><remove><prop><calendar-color xmlns="http://apple.com/ns/ical/"/></prop></remove></propertyupdate>`)
		if _, _, body := s.do(t, "PROPFIND", cal, display, "Depth", "0"); strings.Contains(body, "#FF0000FF") || !strings.Contains(body, ">2</calendar-order>") {
			t.Errorf("the colour removed, the order kept: %s", body)
		}
		if code, _, body := s.do(t, "PROPPATCH", cal, `<propertyupdate xmlns="DAV:"><set><prop><calendar-color xmlns="http://apple.com/ns/ical/">`+strings.Repeat("#", 600)+`</calendar-color></prop></set></propertyupdate>`); code != 207 || !strings.Contains(body, "403 Forbidden") {
			t.Errorf("a colour of 600 characters: %d %s", code, body)
		}

		// Bad input: a clear 4xx, and nothing changes.
		event := func(uid, extra string) string {
			return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n" + uid + "DTSTAMP:20260101T000000Z\r\n" + extra + "SUMMARY:Lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		}
		good := "DTSTART:20301201T120000Z\r\nDTEND:20301201T130000Z\r\n"
		// A calendar-query with its filter, or (filter "") without one.
		query := func(filter string) string {
			q := `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>`
			if filter != "" {
				q += `<c:filter>` + filter + `</c:filter>`
			}
			return q + `</c:calendar-query>`
		}
		for _, bad := range []struct {
			method, path, body string
			status             int
		}{
			{"PROPFIND", cal, "<propfind xmlns='DAV:'><prop><unclosed></prop>", 400},
			{"REPORT", cal, "<calendar-query xmlns='urn:ietf:params:xml:ns:caldav'", 400},
			{"REPORT", cal, query(""), 403}, // no filter
			{"REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="tomorrow"/></c:comp-filter></c:comp-filter>`), 403},
			{"REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20301202T000000Z" end="20301201T000000Z"/></c:comp-filter></c:comp-filter>`), 403},
			{"REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range/></c:comp-filter></c:comp-filter>`), 403},
			{"REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:is-not-defined/><c:time-range start="20301201T000000Z"/></c:comp-filter></c:comp-filter>`), 403},
			{"REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match negate-condition="perhaps">x</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>`), 403},
			{"REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match collation="i;klingon">x</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>`), 403},
			{"REPORT", cal, query(strings.Repeat(`<c:comp-filter name="VCALENDAR">`, 50) + strings.Repeat(`</c:comp-filter>`, 50)), 403},
			{"REPORT", cal, query(`<c:comp-filter><c:comp-filter name="VEVENT"/></c:comp-filter>`), 403}, // no name
			{"REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">` + strings.Repeat(`<c:comp-filter name="VALARM"/>`, 65) + `</c:comp-filter></c:comp-filter>`), 403},
			{"REPORT", cal, `<sync-collection xmlns="DAV:"><sync-token>urn:atrium:sync:999999999999999</sync-token><prop><getetag/></prop></sync-collection>`, 403},
			{"REPORT", cal, `<sync-collection xmlns="DAV:"><sync-token>somebody-else's</sync-token><prop><getetag/></prop></sync-collection>`, 403},
			{"REPORT", cal, `<sync-collection xmlns="DAV:"><sync-token/><limit><nresults>0</nresults></limit><prop><getetag/></prop></sync-collection>`, 400},
			{"REPORT", cal, `<calendar-multiget xmlns="urn:ietf:params:xml:ns:caldav"><href xmlns="DAV:">`, 400},
			{"REPORT", cal, `<calendar-multiget xmlns="urn:ietf:params:xml:ns:caldav">` + strings.Repeat(`<href xmlns="DAV:">/x.ics</href>`, 20_001) + `</calendar-multiget>`, 403},
			{"PROPPATCH", cal, `<propertyupdate xmlns="DAV:"><set>`, 400},
			{"PUT", cal + "a.ics", "this is not a calendar", 400},
			{"PUT", cal + "a.ics", "BEGIN:VCALENDAR\r\n0;0=", 400},                             // go-ical panics on it (FuzzParseEvent)
			{"PUT", cal + "nul.ics", event("UID:nul\r\n", good+"DESCRIPTION:a\x00b\r\n"), 400}, // a 500: no database keeps a NUL
			{"PUT", cal + "b.ics", event("", good), 400},
			{"PUT", cal + "c.ics", event("UID:c\r\n", "DTSTART;TZID=Mars/Olympus_Mons:20301201T120000\r\nDTEND;TZID=Mars/Olympus_Mons:20301201T130000\r\n"), 400},
			{"PUT", cal + "d.ics", event("UID:d\r\n", good+"RRULE:FREQ=MINUTELY\r\n"), 400},
			{"PUT", cal + "e.ics", event("UID:e\r\n", good+"RRULE:FREQ=HOURLY;COUNT=5000\r\n"), 400},
			{"PUT", cal + "f.ics", strings.Repeat("X", 300<<10), 413},
			{"PUT", cal + "f.ics", strings.Repeat("X", 5<<20), 413}, // beyond what the host hands a plugin (once a 503)
			{"PUT", cal + "open-20301201T0900.ics", event("UID:o\r\n", good), 403},
			{"PUT", principal + "calendars/other/g.ics", event("UID:g\r\n", good), 404},
			{"PUT", "/dav/agenda/999/calendars/agenda/h.ics", event("UID:h\r\n", good), 404},
			{"MKCALENDAR", principal + "calendars/second/", "", 403},
			{"DELETE", cal + "nothing-here.ics", "", 404},
		} {
			code, _, body := s.do(t, bad.method, bad.path, bad.body, "Content-Type", "text/calendar; charset=utf-8", "Depth", "1")
			if code != bad.status {
				t.Errorf("%s %s: %d, want %d: %.300s", bad.method, bad.path, code, bad.status, body)
			}
		}
		if after := ctag(); after != before {
			t.Errorf("bad input changed the calendar: ctag %s, then %s", before, after)
		}
		// A property asked in the xml namespace is answered with its
		// prefix (as a default namespace it is not XML a parser reads).
		if code, _, body := s.do(t, "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><xml:space/><getetag/></prop></propfind>`, "Depth", "0"); code != 207 ||
			!strings.Contains(body, "<xml:space/>") || strings.Contains(body, `xmlns="http://www.w3.org/XML/1998/namespace"`) {
			t.Errorf("a property in the xml namespace: %d %s", code, body)
		}

		// An event of the coach's own keeps its time free of bookings.
		day := s.start[:10]
		busy := event("UID:own-1\r\n", "DTSTART:"+strings.ReplaceAll(day, "-", "")+"T000000Z\r\nDTEND:"+strings.ReplaceAll(day, "-", "")+"T235900Z\r\n")
		if code, h, body := s.do(t, "PUT", cal+"own-1.ics", busy, "Content-Type", "text/calendar; charset=utf-8", "If-None-Match", "*"); code != 201 || h.Get("ETag") == "" {
			t.Fatalf("PUT of an own event: %d %q %s", code, h.Get("ETag"), body)
		}
		if code, _, _ := s.do(t, "PUT", cal+"own-1.ics", busy, "Content-Type", "text/calendar", "If-None-Match", "*"); code != 412 {
			t.Errorf("PUT over an existing event with If-None-Match: %d", code)
		}
		if code, _, body := s.do(t, "PUT", cal+"own-2.ics", busy, "Content-Type", "text/calendar"); code != 409 ||
			!strings.Contains(body, `<no-uid-conflict xmlns="urn:ietf:params:xml:ns:caldav"><href xmlns="DAV:">`+cal+`own-1.ics</href>`) {
			t.Errorf("a second object with the same UID: %d %s", code, body)
		}
		// Replacing an object answers 204 (a new one 201), and what a
		// calendar app cannot store names its precondition (RFC 4791).
		if code, h, _ := s.do(t, "PUT", cal+"own-1.ics", busy, "Content-Type", "text/calendar"); code != 204 || h.Get("ETag") == "" {
			t.Errorf("replacing an object: %d %q, want 204 with an ETag", code, h.Get("ETag"))
		}
		todo := strings.ReplaceAll(event("UID:todo-1\r\n", good), "VEVENT", "VTODO")
		for _, bad := range []struct {
			name, ct, body, element string
			status                  int
		}{
			{"a task", "text/calendar", todo, "supported-calendar-component", 403},
			{"a vCard", "text/vcard", "BEGIN:VCARD\r\nEND:VCARD\r\n", "supported-calendar-data", 403},
			{"not iCalendar", "text/calendar", "hello", "valid-calendar-data", 400},
		} {
			code, _, body := s.do(t, "PUT", cal+"odd.ics", bad.body, "Content-Type", bad.ct)
			if code != bad.status || !strings.Contains(body, "<"+bad.element+` xmlns="urn:ietf:params:xml:ns:caldav"`) {
				t.Errorf("%s: %d %s, want %d with %s", bad.name, code, body, bad.status, bad.element)
			}
		}
		if code, _, _ := s.do(t, "PUT", cal+"odd.ics", event("UID:odd\r\n", "DTSTART:20301201T120000Z\r\nDTEND:20301201T110000Z\r\n"), "Content-Type", "text/calendar"); code != 400 {
			t.Errorf("an event that ends before it starts: %d, want 400", code)
		}
		if page := s.kim.Get("/m/agenda/book?month=" + day[:7] + "&day=" + day); page.Doc.Find(`#agenda-slots input[name="start"]`).Length() != 0 {
			t.Errorf("the coach's own event left free times on %s: %s", day, page.Text("#agenda-slots"))
		}
		if ctag() == before {
			t.Errorf("the ctag did not change with a new event")
		}
		// A text-match finds the event by its title, and a negated one
		// everything else (go-webdav's reading dropped the negation).
		lunch := func(negate string) string {
			_, _, body := s.do(t, "REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY">`+
				`<c:text-match negate-condition="`+negate+`">Lunch</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>`), "Depth", "1")
			return body
		}
		if got := lunch("no"); !strings.Contains(got, "own-1.ics") || strings.Contains(got, "@atrium.ics") {
			t.Errorf("a text-match on the title: %s", got)
		}
		if got := lunch("yes"); strings.Contains(got, "own-1.ics") || !strings.Contains(got, "@atrium.ics") {
			t.Errorf("a negated text-match on the title: %s", got)
		}
		// Text compares without regard to ASCII case unless the app asks
		// for i;octet (RFC 4791 §9.7.5; go-webdav compared as is).
		for collation, found := range map[string]bool{"": true, ` collation="i;ascii-casemap"`: true, ` collation="i;octet"`: false} {
			_, _, body := s.do(t, "REPORT", cal, query(`<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY">`+
				`<c:text-match`+collation+`>lUNCH</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>`), "Depth", "1")
			if strings.Contains(body, "own-1.ics") != found {
				t.Errorf("a text-match of lUNCH%s found Lunch: %v, want %v: %s", collation, !found, found, body)
			}
		}

		// The coach moves the appointment in the app: Atrium follows and
		// tells Kim; deleting it there cancels it.
		appt := ""
		_, _, listing := s.do(t, "PROPFIND", cal, "", "Depth", "1")
		for _, part := range strings.Split(listing, "<href")[1:] {
			_, href, _ := strings.Cut(part, ">")
			href, _, _ = strings.Cut(href, "</href>")
			if strings.HasSuffix(href, "@atrium.ics") {
				appt = href
			}
		}
		if appt == "" {
			t.Fatalf("the appointment is not in the calendar: %s", listing)
		}
		_, _, data := s.do(t, "GET", appt, "")
		if !strings.Contains(data, "K.B.") || strings.Contains(data, "Bakker") {
			t.Errorf("the appointment names Kim by more than her initials: %s", data)
		}
		moved := strings.NewReplacer("T", "T", "SEQUENCE:0", "SEQUENCE:0").Replace(data)
		start, _ := time.Parse(time.RFC3339, s.start)
		later := start.Add(48 * time.Hour)
		moved = strings.Replace(moved, "DTSTART:"+start.UTC().Format("20060102T150405Z"), "DTSTART:"+later.UTC().Format("20060102T150405Z"), 1)
		moved = strings.Replace(moved, "DTEND:"+start.Add(time.Hour).UTC().Format("20060102T150405Z"), "DTEND:"+later.Add(time.Hour).UTC().Format("20060102T150405Z"), 1)
		if code, _, body := s.do(t, "PUT", appt, moved, "Content-Type", "text/calendar"); code != 201 && code != 204 {
			t.Fatalf("moving the appointment in the app: %d %s", code, body)
		}
		if got := s.kim.Get("/m/agenda/book").Text("#agenda-upcoming"); !strings.Contains(got, strconv.Itoa(later.In(amsterdam(t)).Day())) {
			t.Errorf("Kim's coming sessions after the move: %q", got)
		}
		// A delete made against an older copy (a stale ETag) cancels
		// nothing: 412, and Kim's session stays.
		if code, _, _ := s.do(t, "DELETE", appt, "", "If-Match", `"stale"`); code != 412 {
			t.Errorf("deleting the appointment with a stale ETag: %d, want 412", code)
		}
		if got := s.kim.Get("/m/agenda/book").Doc.Find("#agenda-upcoming li").Length(); got != 1 {
			t.Errorf("a stale delete cancelled the appointment: %d coming", got)
		}
		if code, _, _ := s.do(t, "DELETE", appt, ""); code != 204 && code != 200 {
			t.Errorf("deleting the appointment in the app: %d", code)
		}
		if got := s.kim.Get("/m/agenda/book").Doc.Find("#agenda-upcoming li").Length(); got != 0 {
			t.Errorf("the appointment deleted in the app is still coming: %d", got)
		}
	})
}

// TestCalDAVWithoutACalendar: only coaches have a calendar. A coachee and
// an employer contact with an app password reach their principal and their
// calendar home, which lists no calendar; every request naming a calendar
// or an object in one (theirs that is not there, or the coach's) answers
// 404, never a 500, and nothing is written. On both databases.
func TestCalDAVWithoutACalendar(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		s := newDAVServer(t, bin, db, nil)
		coachCal := s.calendar(t)
		_, _, listing := s.do(t, "PROPFIND", coachCal, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
		var coachObject string
		for _, m := range davHref.FindAllStringSubmatch(listing, -1) {
			if strings.HasSuffix(m[1], ".ics") && !strings.Contains(m[1], "/open-") {
				coachObject = m[1]
			}
		}
		if coachObject == "" {
			t.Fatalf("the coach's calendar lists no appointment: %s", listing)
		}
		before := agendaRows(t, s.app)
		event := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:lunch\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20301201T120000Z\r\nDTEND:20301201T130000Z\r\nSUMMARY:Lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		type request struct{ method, body string }
		var (
			propfind = request{"PROPFIND", `<propfind xmlns="DAV:"><prop><resourcetype/><getetag/><displayname/></prop></propfind>`}
			query    = request{"REPORT", `<calendar-query xmlns="urn:ietf:params:xml:ns:caldav"><prop xmlns="DAV:"><getetag/></prop><filter><comp-filter name="VCALENDAR"/></filter></calendar-query>`}
			sync     = request{"REPORT", `<sync-collection xmlns="DAV:"><sync-token/><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>`}
			proppat  = request{"PROPPATCH", `<propertyupdate xmlns="DAV:"><set><prop><calendar-color xmlns="http://apple.com/ns/ical/">#FF0000FF</calendar-color></prop></set></propertyupdate>`}
			get      = request{"GET", ""}
			put      = request{"PUT", event}
			del      = request{"DELETE", ""}
		)
		multiget := func(href string) request {
			return request{"REPORT", `<calendar-multiget xmlns="urn:ietf:params:xml:ns:caldav"><prop xmlns="DAV:"><getetag/></prop><href xmlns="DAV:">` + href + `</href></calendar-multiget>`}
		}
		for _, who := range []string{"coachee@harbour.example", "hr@harbour.example"} {
			u, err := s.app.Identity().ByEmail(t.Context(), who)
			if err != nil {
				t.Fatal(err)
			}
			as := *s
			as.user = who
			if as.pass, err = s.app.Identity().CreateAppPassword(t.Context(), u, "Calendar", ""); err != nil {
				t.Fatal(err)
			}
			principal := "/dav/agenda/" + strconv.FormatInt(u.ID, 10) + "/"
			home, cal := principal+"calendars/", principal+"calendars/agenda/"
			cases := []struct {
				path   string
				req    request
				status int
			}{
				// Their home is theirs, and holds no calendar.
				{home, propfind, 207},
				{home, query, 404},
				{home, sync, 403}, // as for a coach: sync-collection is a calendar's
				{home, get, 404},
				{home, put, 404},
				{home, del, 404},
			}
			for _, path := range []string{cal, coachCal} {
				for _, req := range []request{propfind, query, sync, multiget(path + "lunch.ics"), proppat, get, put, del} {
					cases = append(cases, struct {
						path   string
						req    request
						status int
					}{path, req, 404})
				}
			}
			coachPrincipal := strings.TrimSuffix(coachCal, "calendars/agenda/")
			for _, path := range []string{coachPrincipal, coachPrincipal + "calendars/"} {
				for _, req := range []request{propfind, proppat, query, get, put, del} {
					cases = append(cases, struct {
						path   string
						req    request
						status int
					}{path, req, 404})
				}
			}
			for _, path := range []string{cal + "lunch.ics", coachObject} {
				for _, req := range []request{propfind, get, put, del} {
					cases = append(cases, struct {
						path   string
						req    request
						status int
					}{path, req, 404})
				}
			}
			for _, c := range cases {
				code, _, body := as.do(t, c.req.method, c.path, c.req.body, "Depth", "1", "Content-Type", map[bool]string{true: "text/calendar", false: "application/xml"}[c.req.method == "PUT"])
				if code != c.status {
					t.Errorf("%s: %s %s: %d, want %d: %.200s", who, c.req.method, c.path, code, c.status, body)
				}
				if c.req == propfind && c.path == home && (strings.Contains(body, "urn:ietf:params:xml:ns:caldav\"/>") || strings.Count(body, "<response") != 1) {
					t.Errorf("%s: their home lists more than itself: %s", who, body)
				}
			}
		}
		if after := agendaRows(t, s.app); !maps.EqualFunc(before, after, slices.Equal) {
			t.Errorf("requests without a calendar changed the agenda's tables:\nbefore %v\nafter  %v", before, after)
		}
		// The coach's appointment is still there, for the coach.
		if code, _, _ := s.do(t, "GET", coachObject, ""); code != 200 {
			t.Errorf("the coach's appointment after the others' requests: %d", code)
		}
	})
}

// davHref is a href in a multistatus.
var davHref = regexp.MustCompile(`<href[^>]*>([^<]+)</href>`)

// agendaRows is every row of the agenda's tables, each as text, sorted:
// equal before and after means nothing was written.
func agendaRows(t *testing.T, app *coretest.App) map[string][]string {
	t.Helper()
	ctx := t.Context()
	tables, err := app.Plugins().Tables(ctx, "agenda")
	if err != nil || len(tables) < 5 {
		t.Fatalf("the agenda's tables: %v %v", tables, err)
	}
	out := map[string][]string{}
	for _, table := range tables {
		var rows []map[string]any
		if err := app.Plugins().PluginDB("agenda", app.DemoOrg(t)).NewSelect().Table(table).Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			out[table] = append(out[table], fmt.Sprint(row))
		}
		slices.Sort(out[table])
	}
	return out
}

// TestFeedAddress: a coach makes a private feed address, an app reads the
// appointments from it without signing in, and it stops working when
// revoked or replaced; Kim has her own.
func TestFeedAddress(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	s := newDAVServer(t, bin, coretest.SQLite(t), nil)
	get := func(url string) (int, string, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(data)
	}
	page := s.coach.PostForm("/m/agenda/feed", url.Values{"action": {"new"}})
	first := page.Text("#agenda-feed-url")
	if page.StatusCode != 200 || !strings.Contains(first, "/feeds/agenda/") {
		t.Fatalf("a new feed address: %d %q", page.StatusCode, first)
	}
	address := s.app.URL + first[strings.Index(first, "/feeds/"):]
	code, kind, body := get(address)
	if code != 200 || !strings.HasPrefix(kind, "text/calendar") || !strings.Contains(body, "K.B.") || strings.Contains(body, "Bakker") {
		t.Errorf("the feed: %d %q %s", code, kind, body)
	}
	if got := s.coach.Get("/m/agenda/availability").Text("#agenda-feed-active"); got == "" {
		t.Errorf("the page does not say there is an address")
	}
	for _, bad := range []string{address + "x", s.app.URL + "/feeds/agenda/", s.app.URL + "/feeds/example/" + address[strings.LastIndex(address, "/")+1:]} {
		if code, _, _ := get(bad); code != 404 {
			t.Errorf("%s: %d", bad, code)
		}
	}
	// The organisation may let calendars carry full names.
	admin := s.app.Client(t)
	admin.SignIn("admin@harbour.example")
	if res := admin.PostForm("/m/agenda/themes/names", url.Values{"names": {"everything"}}); res.StatusCode != 422 {
		t.Errorf("a naming that is none: %d", res.StatusCode)
	}
	if res := s.coach.PostForm("/m/agenda/themes/names", url.Values{"names": {"full"}}); res.StatusCode != 403 {
		t.Errorf("a coach sets the naming: %d", res.StatusCode)
	}
	if res := admin.PostForm("/m/agenda/themes/names", url.Values{"names": {"full"}}); res.StatusCode != 303 {
		t.Errorf("full names: %d", res.StatusCode)
	}
	if _, _, body := get(address); !strings.Contains(body, "Kim Bakker") {
		t.Errorf("the feed with full names: %s", body)
	}
	second := s.coach.PostForm("/m/agenda/feed", url.Values{"action": {"new"}}).Text("#agenda-feed-url")
	if code, _, _ := get(address); code != 404 || second == first {
		t.Errorf("the replaced address still works: %d", code)
	}
	s.coach.PostForm("/m/agenda/feed", url.Values{"action": {"revoke"}})
	if code, _, _ := get(s.app.URL + second[strings.Index(second, "/feeds/"):]); code != 404 {
		t.Errorf("the revoked address still works: %d", code)
	}
	mine := s.kim.PostForm("/m/agenda/feed", url.Values{"action": {"new"}}).Text("#agenda-feed-url")
	if code, _, body := get(s.app.URL + mine[strings.Index(mine, "/feeds/"):]); code != 200 || !strings.Contains(body, "Chris Jansen") {
		t.Errorf("Kim's feed: %d %s", code, body)
	}
}

func amsterdam(t *testing.T) *time.Location {
	zone, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return zone
}

// TestPythonCalDAVClient runs Debian's python3-caldav against the server:
// discovery from the root URL with an app password, listing, a time-range
// search, create, change, delete, and syncs that carry only what changed.
func TestPythonCalDAVClient(t *testing.T) {
	t.Parallel()
	withPythonCalDAV(t, "testdata/python_caldav.py", func(t *testing.T, got map[string]string, out []byte) {
		cal := "/dav/agenda/" + got["principal"][len("/dav/agenda/"):] + "calendars/agenda/"
		for step, want := range map[string]string{
			"calendars":            "1",
			"calendar":             cal,
			"created":              cal + "interop-python-1.ics",
			"changed since first":  cal + "interop-python-1.ics",
			"changed since create": cal + "interop-python-1.ics",
			"fetched summary":      "True",
			"changed since change": cal + "interop-python-1.ics",
			"stale delete":         "412",
			"stale put":            "412",
			"overwrite refused":    "412",
			"kept after stale":     "True",
			"current delete":       "204",
		} {
			if got[step] != want {
				t.Errorf("%s: %q, want %q\n%s", step, got[step], want, out)
			}
		}
		if got["events"] == "0" || got["in range"] == "0" || got["events"] != got["events at the end"] {
			t.Errorf("events before %s, in range %s, after %s\n%s", got["events"], got["in range"], got["events at the end"], out)
		}
	})
}

// TestPythonCalDAVTimeRanges asks time-range questions with python3-caldav
// where go-webdav's own matcher answered wrongly: an event exactly filling
// the range was missed, one ending as the range starts was found, an
// all-day event and a weekly instance that began before the range were
// missed, a moved instance was found at its old time; and Outlook's
// Windows zone was refused. On both databases, through the real host.
func TestPythonCalDAVTimeRanges(t *testing.T) {
	t.Parallel()
	withPythonCalDAV(t, "testdata/python_caldav_ranges.py", func(t *testing.T, got map[string]string, out []byte) {
		for step, want := range map[string]string{
			"put outlook": "201", "exact": "True", "ending at the start": "False", "all day": "True", "began before the range": "True",
			"old time of the moved": "False", "new time of the moved": "True", "outlook at its time": "True", "outlook an hour later": "False",
		} {
			if got[step] != want {
				t.Errorf("%s: %q, want %q\n%s", step, got[step], want, out)
			}
		}
	})
}

// TestVdirsyncerTenThousandEvents: vdirsyncer's first sync of a calendar
// of 10,000 events (every href in one calendar-multiget) ran out of the
// plugin's time and got 503 on both databases. It completes now; then one
// event changed on the server and one in the folder both arrive on the
// other side. The seconds are logged (docs/benchmarks.md).
func TestVdirsyncerTenThousandEvents(t *testing.T) {
	t.Parallel()
	needProgram(t, "/usr/bin/vdirsyncer", "vdirsyncer", "--version")
	first := time.Date(time.Now().Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
	events := yearOfEvents(first, calendarSize)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		s := atriumWith(t, db, events)
		dir := t.TempDir()
		sync := func(phase string) map[string]string {
			t.Helper()
			out, err := exec.Command("sh", "testdata/vdirsyncer.sh", s.base+"/", s.user, s.pass, dir, phase).CombinedOutput()
			t.Logf("vdirsyncer %s:\n%s", phase, out)
			if err != nil {
				t.Fatalf("vdirsyncer %s: %v", phase, err)
			}
			return steps(string(out))
		}
		got := sync("down")
		if n, _ := strconv.Atoi(got["fetched"]); n < calendarSize {
			t.Fatalf("vdirsyncer fetched %s objects of %d", got["fetched"], calendarSize)
		}
		server := strings.Replace(events[5000], "SUMMARY:Meeting 5000", "SUMMARY:Meeting 5000 (changed on the server)", 1)
		req, _ := http.NewRequest("PUT", s.base+s.calendar+"bench-05000.ics", strings.NewReader(server))
		req.SetBasicAuth(s.user, s.pass)
		req.Header.Set("Content-Type", "text/calendar")
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 204 {
			t.Fatalf("changing an event on the server: %v %v", res, err)
		}
		sync("again")
		coll, _ := os.ReadDir(filepath.Join(dir, "local"))
		local, err := os.ReadFile(filepath.Join(dir, "local", coll[0].Name(), "bench-05000.ics"))
		if err != nil || !strings.Contains(string(local), "changed on the server") {
			t.Errorf("the server's change in the folder: %v %.300s", err, local)
		}
		req, _ = http.NewRequest("GET", s.base+s.calendar+"bench-00001.ics", nil)
		req.SetBasicAuth(s.user, s.pass)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "changed in the folder") {
			t.Errorf("the folder's change on the server: %d %.300s", res.StatusCode, body)
		}
	})
}

// TestSyncCollectionPagesAtTheLimit: an app that sets DAV:limit gets at
// most that many results a page, the calendar's own 507 while more remain
// and a token that continues (RFC 6578 §3.6); paging a first sync from
// empty ends with every object once, changes made while paging included,
// and an incremental sync pages too. A multiget answers in the order
// asked, a missing object with its own 404. On both databases.
func TestSyncCollectionPagesAtTheLimit(t *testing.T) {
	eachDAVServer(t, func(t *testing.T, s *davServer, cal string) {
		put := func(uid, summary string) {
			t.Helper()
			body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20260101T000000Z\r\n" +
				"DTSTART:20301201T120000Z\r\nDTEND:20301201T130000Z\r\nSUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
			if code, _, _ := s.do(t, "PUT", cal+uid+".ics", body, "Content-Type", "text/calendar"); code != 201 && code != 204 {
				t.Fatalf("PUT %s: %d", uid, code)
			}
		}
		for _, uid := range []string{"a-1", "a-2", "a-3", "z-1"} {
			put(uid, "First")
		}
		page := func(token string, limit int) (hrefs []string, next string, truncated bool) {
			t.Helper()
			body := `<sync-collection xmlns="DAV:"><sync-token>` + token + `</sync-token><sync-level>1</sync-level><limit><nresults>` + strconv.Itoa(limit) +
				`</nresults></limit><prop><getetag/></prop></sync-collection>`
			code, _, answer := s.do(t, "REPORT", cal, body, "Content-Type", "application/xml")
			if code != 207 {
				t.Fatalf("sync from %q: %d %s", token, code, answer)
			}
			for _, m := range davHref.FindAllStringSubmatch(answer, -1) {
				if m[1] == cal {
					truncated = true
					continue
				}
				hrefs = append(hrefs, m[1])
			}
			if truncated && !strings.Contains(answer, "507 Insufficient Storage") {
				t.Errorf("the calendar's own response without 507: %s", answer)
			}
			next = tokenIn(answer)
			return hrefs, next, truncated
		}
		_, _, listing := s.do(t, "PROPFIND", cal, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
		total := strings.Count(listing, "<response") - 1
		seen := map[string]int{}
		token, pages := "", 0
		for {
			hrefs, next, truncated := page(token, 7)
			if len(hrefs) > 7 {
				t.Fatalf("a page of %d results with a limit of 7", len(hrefs))
			}
			for _, h := range hrefs {
				seen[h]++
			}
			if pages++; pages == 2 {
				put("a-2", "Changed while paging") // already sent: comes again at the end
				put("m-1", "Made while paging")
			}
			token = next
			if !truncated {
				break
			}
			if pages > 100 {
				t.Fatal("paging does not end")
			}
		}
		if pages < 3 || len(seen) != total+1 || seen[cal+"a-2.ics"] != 2 || seen[cal+"m-1.ics"] == 0 {
			t.Errorf("%d pages, %d objects of %d (+1 made while paging), a-2 sent %d times: %v", pages, len(seen), total, seen[cal+"a-2.ics"], seen)
		}
		// Incremental, one result a page.
		put("a-1", "Again")
		put("a-3", "Again")
		first, next, truncated := page(token, 1)
		second, last, more := page(next, 1)
		if len(first) != 1 || !truncated || len(second) != 1 || more || first[0] == second[0] || last == next {
			t.Errorf("incremental pages: %v (more %v), %v (more %v)", first, truncated, second, more)
		}
		// A multiget answers in the order asked, a missing object as its own 404.
		mg := `<calendar-multiget xmlns="urn:ietf:params:xml:ns:caldav"><prop xmlns="DAV:"><getetag/></prop>` +
			`<href xmlns="DAV:">` + cal + `z-1.ics</href><href xmlns="DAV:">` + cal + `gone.ics</href><href xmlns="DAV:">` + cal + `a-1.ics</href></calendar-multiget>`
		code, _, body := s.do(t, "REPORT", cal, mg, "Content-Type", "application/xml", "Depth", "1")
		z, gone, a := strings.Index(body, "z-1.ics"), regexp.MustCompile(`gone.ics</href><status[^>]*>HTTP/1.1 404 Not Found</status>`).FindStringIndex(body), strings.Index(body, "a-1.ics")
		if code != 207 || z < 0 || gone == nil || gone[0] < z || a < gone[0] {
			t.Errorf("multiget: %d %s", code, body)
		}
		// An object asked for again and again is answered once (the hostile
		// review's large object asked 2,000 times took the plugin's memory).
		again := `<calendar-multiget xmlns="urn:ietf:params:xml:ns:caldav"><prop xmlns="DAV:"><getetag/><calendar-data/></prop>` +
			strings.Repeat(`<href xmlns="DAV:">`+cal+`z-1.ics</href>`, 50) + `</calendar-multiget>`
		if code, _, body := s.do(t, "REPORT", cal, again, "Content-Type", "application/xml", "Depth", "1"); code != 207 || strings.Count(body, "<response") != 1 {
			t.Errorf("multiget of one object fifty times: %d, %d responses", code, strings.Count(body, "<response"))
		}
	})
}

// TestMovedInstanceFreesItsOldTime: a coach's weekly event blocks
// bookings at each instance; one the coach moved in the app blocks its new
// day and no longer its old one (the busy time skipped RECURRENCE-ID
// components and kept blocking the old day). On both databases.
func TestMovedInstanceFreesItsOldTime(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		s := newDAVServer(t, bin, db, nil)
		first, _ := time.Parse("2006-01-02", s.start[:10])
		first = first.AddDate(0, 0, 7)
		day := func(n int) time.Time { return first.AddDate(0, 0, n) }
		whole := func(d time.Time) string {
			return "DTSTART:" + d.Format("20060102") + "T000000Z\r\nDTEND:" + d.Format("20060102") + "T235900Z\r\n"
		}
		weekly := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
			"BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20260101T000000Z\r\n" + whole(day(0)) + "RRULE:FREQ=WEEKLY;COUNT=2\r\nSUMMARY:Training\r\nEND:VEVENT\r\n" +
			"BEGIN:VEVENT\r\nUID:weekly-1\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:" + day(7).Format("20060102") + "T000000Z\r\n" + whole(day(8)) + "SUMMARY:Training (moved)\r\nEND:VEVENT\r\n" +
			"END:VCALENDAR\r\n"
		if code, _, body := s.do(t, "PUT", s.calendar(t)+"weekly-1.ics", weekly, "Content-Type", "text/calendar"); code != 201 {
			t.Fatalf("PUT of a weekly event with a moved instance: %d %s", code, body)
		}
		for n, wantFree := range map[int]bool{0: false, 7: true, 8: false} {
			d := day(n).Format("2006-01-02")
			slots := s.kim.Get("/m/agenda/book?month=" + d[:7] + "&day=" + d).Doc.Find(`#agenda-slots input[name="start"]`).Length()
			if (slots > 0) != wantFree {
				t.Errorf("%s (day %d of the event): %d free times, want free %v", d, n, slots, wantFree)
			}
		}
	})
}

// TestIfMatchHoldsForWritesSentAtOnce is the hostile review's lost update:
// twelve PUTs sent at once with the same If-Match all replaced the event,
// each over a version its sender had never seen. One wins; the others
// answer 412. The same for DELETE. On both databases.
func TestIfMatchHoldsForWritesSentAtOnce(t *testing.T) {
	eachDAVServer(t, func(t *testing.T, s *davServer, cal string) {
		body := func(summary string) string {
			return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:race\r\nDTSTAMP:20260101T000000Z\r\n" +
				"DTSTART:20301201T120000Z\r\nDTEND:20301201T130000Z\r\nSUMMARY:" + summary + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		}
		code, h, _ := s.do(t, "PUT", cal+"race.ics", body("First"), "Content-Type", "text/calendar")
		if code != 201 {
			t.Fatalf("PUT: %d", code)
		}
		etag := h.Get("ETag")
		codes := make(chan int, 12)
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, _, _ := s.do(t, "PUT", cal+"race.ics", body("Writer "+strconv.Itoa(i)), "Content-Type", "text/calendar", "If-Match", etag)
				codes <- code
			}()
		}
		wg.Wait()
		close(codes)
		won, refused := 0, 0
		for c := range codes {
			switch c {
			case 204:
				won++
			case 412:
				refused++
			case 429: // the sign-in throttle of many requests at once from one address
			default:
				t.Errorf("a PUT with If-Match: %d", c)
			}
		}
		if won > 1 || won+refused < 2 {
			t.Errorf("%d PUTs with the same If-Match replaced the event (%d refused), want one at most of several", won, refused)
		}
		if code, _, _ := s.do(t, "DELETE", cal+"race.ics", "", "If-Match", etag); code != 412 {
			t.Errorf("a DELETE with the first ETag after the change: %d, want 412", code)
		}

		// The same for an appointment, whose ETag Atrium computes: of
		// moves sent at once with one ETag, one at most is made.
		appt := ""
		_, _, listing := s.do(t, "PROPFIND", cal, "", "Depth", "1")
		for _, part := range strings.Split(listing, "<href")[1:] {
			_, href, _ := strings.Cut(part, ">")
			if href, _, _ = strings.Cut(href, "</href>"); strings.HasSuffix(href, "@atrium.ics") {
				appt = href
			}
		}
		code, h, data := s.do(t, "GET", appt, "")
		if code != 200 || h.Get("ETag") == "" {
			t.Fatalf("the appointment %q: %d", appt, code)
		}
		start, _ := time.Parse(time.RFC3339, s.start)
		stamp := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
		moves := make(chan int, 6)
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				later := start.Add(time.Duration(24*(i+1)) * time.Hour)
				moved := strings.Replace(data, "DTSTART:"+stamp(start), "DTSTART:"+stamp(later), 1)
				moved = strings.Replace(moved, "DTEND:"+stamp(start.Add(time.Hour)), "DTEND:"+stamp(later.Add(time.Hour)), 1)
				code, _, _ := s.do(t, "PUT", appt, moved, "Content-Type", "text/calendar", "If-Match", h.Get("ETag"))
				moves <- code
			}()
		}
		wg.Wait()
		close(moves)
		won, refused = 0, 0
		for c := range moves {
			switch c {
			case 204:
				won++
			case 412:
				refused++
			default:
				t.Errorf("a move with If-Match: %d", c)
			}
		}
		if won != 1 || refused != 5 {
			t.Errorf("of six moves with the same If-Match %d were made and %d refused, want one and five", won, refused)
		}
		if code, _, _ := s.do(t, "DELETE", appt, "", "If-Match", h.Get("ETag")); code != 412 {
			t.Errorf("cancelling the moved appointment with its first ETag: %d, want 412", code)
		}
	})
}

// TestCalDAVWritesAreLimitedPerAppPassword: an app that writes without
// end (10,000 PUTs at 65 a second passed) is stopped at the operator's
// limit with 429 and Retry-After, while it may still read and the person's
// other app password still writes.
func TestCalDAVWritesAreLimitedPerAppPassword(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	s := newDAVServer(t, bin, coretest.SQLite(t), nil, func(c *config.Config) { c.Server.ProtocolWrites = 5 })
	cal := s.calendar(t)
	put := func(as *davServer, n int) (int, http.Header) {
		body := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:limit-" + strconv.Itoa(n) + "\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20301201T120000Z\r\nDTEND:20301201T130000Z\r\nSUMMARY:Lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		code, h, _ := as.do(t, "PUT", cal+"limit-"+strconv.Itoa(n)+".ics", body, "Content-Type", "text/calendar")
		return code, h
	}
	for n := range 5 {
		if code, _ := put(s, n); code != 201 {
			t.Fatalf("write %d within the limit: %d", n, code)
		}
	}
	if code, h := put(s, 5); code != 429 || h.Get("Retry-After") == "" {
		t.Errorf("a write beyond the limit: %d, Retry-After %q", code, h.Get("Retry-After"))
	}
	// The same app password spelt otherwise (it still signs in) is the
	// same app: its writes count against the same limit.
	spelt := *s
	spelt.user, spelt.pass = strings.ToUpper(s.user), strings.ToUpper(strings.ReplaceAll(s.pass, "-", " "))
	if code, _, _ := spelt.do(t, "PROPFIND", cal, "", "Depth", "0"); code != 207 {
		t.Fatalf("the app password spelt otherwise does not sign in (%d); the test proves nothing", code)
	}
	if code, _ := put(&spelt, 7); code != 429 {
		t.Errorf("a write beyond the limit, the app password spelt otherwise: %d", code)
	}
	if code, _, _ := s.do(t, "PROPFIND", cal, "", "Depth", "0"); code != 207 {
		t.Errorf("a read after the limit: %d", code)
	}
	other := *s
	u, _ := s.app.Identity().ByEmail(t.Context(), s.user)
	var err error
	if other.pass, err = s.app.Identity().CreateAppPassword(t.Context(), u, "Phone", ""); err != nil {
		t.Fatal(err)
	}
	if code, _ := put(&other, 6); code != 201 {
		t.Errorf("the person's other app password: %d", code)
	}
}

// withPythonCalDAV runs a python3-caldav script against a server of each
// database and hands check the steps it printed.
func withPythonCalDAV(t *testing.T, script string, check func(t *testing.T, got map[string]string, out []byte)) {
	t.Helper()
	python := needProgram(t, "/usr/bin/python3", "python3-caldav", "-c", "import caldav")
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		s := newDAVServer(t, bin, db, nil)
		out, err := exec.Command(python, script, s.app.URL+"/", s.user, s.pass).CombinedOutput()
		if err != nil {
			t.Fatalf("python3-caldav: %v\n%s", err, out)
		}
		t.Logf("python3-caldav:\n%s", out)
		check(t, steps(string(out)), out)
	})
}

// needProgram is a program from Debian's packages that the test needs;
// the package is installed by .ci/run, so its absence fails the test.
func needProgram(t *testing.T, path, pkg string, check ...string) string {
	t.Helper()
	if err := exec.Command(path, check...).Run(); err != nil {
		t.Fatalf("%s is needed (apt-get install %s): %v", path, pkg, err)
	}
	return path
}

// steps reads "step: value" lines.
func steps(out string) map[string]string {
	got := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			got[k] = strings.TrimSpace(v)
		}
	}
	return got
}

// TestVdirsyncer syncs the calendar with a folder through Debian's
// vdirsyncer: what it uploads, changes and deletes reaches Atrium.
func TestVdirsyncer(t *testing.T) {
	t.Parallel()
	needProgram(t, "/usr/bin/vdirsyncer", "vdirsyncer", "--version")
	bin := coretest.BuildThisPlugin(t)
	s := newDAVServer(t, bin, coretest.SQLite(t), nil)
	cal := s.calendar(t)
	dir := t.TempDir()
	sync := func(phase string) map[string]string {
		t.Helper()
		out, err := exec.Command("sh", "testdata/vdirsyncer.sh", s.app.URL+"/", s.user, s.pass, dir, phase).CombinedOutput()
		t.Logf("vdirsyncer %s:\n%s", phase, out)
		if err != nil {
			t.Fatalf("vdirsyncer %s: %v", phase, err)
		}
		return steps(string(out))
	}
	got := sync("up")
	_, _, listing := s.do(t, "PROPFIND", cal, "", "Depth", "1")
	if n := strings.Count(listing, "<response") - 2; got["fetched"] == "0" || got["fetched"] != strconv.Itoa(n) {
		t.Errorf("vdirsyncer fetched %s objects; the calendar held %d before the upload", got["fetched"], n)
	}
	query := `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>` +
		`<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20301201T000000Z" end="20301202T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`
	if code, _, body := s.do(t, "REPORT", cal, query, "Depth", "1", "Content-Type", "application/xml"); code != 207 || !strings.Contains(body, "Team day (later)") {
		t.Errorf("the uploaded and changed event: %d %s", code, body)
	}
	if sync("delete")["deleted"] != "ok" {
		t.Fatal("vdirsyncer did not delete")
	}
	if _, _, body := s.do(t, "REPORT", cal, query, "Depth", "1", "Content-Type", "application/xml"); strings.Contains(body, "Team day") {
		t.Errorf("the event deleted in the folder is still there: %s", body)
	}
}
