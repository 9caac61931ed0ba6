package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
)

// calendarSize is how many events the benchmark's calendar holds: a
// year of a busy coach's agenda, 27 a day.
const calendarSize = 10_000

// BenchmarkCalDAV10k measures, one request at a time over loopback, the
// poll apps send (PROPFIND getctag), a calendar-query REPORT over one
// month, a listing of every object's getetag and a sync-collection that
// finds one change, in a calendar of 10,000 events: Atrium (SQLite and
// PostgreSQL) and Radicale (Debian's package) holding the same events, in
// one run (-bench 'CalDAV10k/atrium' or '/radicale' for one side alone).
func BenchmarkCalDAV10k(b *testing.B) {
	if _, err := exec.LookPath("radicale"); err != nil {
		b.Fatalf("radicale is needed for the comparison (apt-get install radicale): %v", err)
	}
	first := time.Date(time.Now().Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
	events := yearOfEvents(first, calendarSize)
	month := fmt.Sprintf(`<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>`+
		`<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="%s" end="%s"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
		first.AddDate(0, 3, 0).Format("20060102T150405Z"), first.AddDate(0, 4, 0).Format("20060102T150405Z"))

	servers := []struct {
		name  string
		start func(b *testing.B) calendarServer
	}{
		{"atrium-sqlite", func(b *testing.B) calendarServer { return atriumWith(b, coretest.SQLite(b), events) }},
		{"atrium-postgres", func(b *testing.B) calendarServer { return atriumWith(b, coretest.Postgres(b), events) }},
		{"radicale", func(b *testing.B) calendarServer { return radicaleWith(b, events) }},
	}
	for _, srv := range servers {
		b.Run(srv.name, func(b *testing.B) {
			s := srv.start(b)
			// What apps send every few minutes: has anything changed?
			b.Run("poll-ctag", func(b *testing.B) {
				poll := `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>`
				if code, body := s.do(b, "PROPFIND", s.calendar, poll, "0"); code != 207 || !strings.Contains(body, "getctag>") {
					b.Fatalf("the ctag: %d %.300s", code, body)
				}
				measure(b, func() { s.do(b, "PROPFIND", s.calendar, poll, "0") })
			})
			b.Run("query-one-month", func(b *testing.B) {
				code, body := s.do(b, "REPORT", s.calendar, month, "1")
				if code != 207 || strings.Count(body, "BEGIN:VEVENT") < 700 {
					b.Fatalf("the month: %d, %d events: %.600s", code, strings.Count(body, "BEGIN:VEVENT"), body)
				}
				measure(b, func() { s.do(b, "REPORT", s.calendar, month, "1") })
			})
			b.Run("propfind-etags", func(b *testing.B) {
				code, body := s.do(b, "PROPFIND", s.calendar, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`, "1")
				if code != 207 || strings.Count(body, "bench-") < calendarSize {
					b.Fatalf("the listing: %d, %d events", code, strings.Count(body, "bench-"))
				}
				measure(b, func() {
					s.do(b, "PROPFIND", s.calendar, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`, "1")
				})
			})
			// The change is made once: a sub-benchmark's body runs again for
			// each b.N, and the same PUT again is no change.
			_, body := s.do(b, "REPORT", s.calendar, `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`, "1")
			token := tokenIn(body)
			if token == "" || strings.Count(body, "bench-") != calendarSize {
				b.Fatalf("the first sync: %d events, token %q", strings.Count(body, "bench-"), token)
			}
			changed := strings.Replace(events[5000], "SUMMARY:Meeting 5000", "SUMMARY:Meeting 5000 (moved)", 1)
			if code, _ := s.do(b, "PUT", s.calendar+"bench-05000.ics", changed, ""); code != 201 && code != 204 {
				b.Fatalf("changing one event: %d", code)
			}
			sync := `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>` + token + `</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`
			if code, body := s.do(b, "REPORT", s.calendar, sync, "1"); code != 207 || strings.Count(body, "bench-05000") != 1 || strings.Count(body, "bench-") != 1 {
				b.Fatalf("the sync after one change from %s: %d %.500s", token, code, body)
			}
			b.Run("sync-one-change", func(b *testing.B) {
				measure(b, func() { s.do(b, "REPORT", s.calendar, sync, "1") })
			})
		})
	}
}

// yearOfEvents are n events of 45 minutes spread over the year from first,
// named bench-00000 and on, as a calendar app would send them.
func yearOfEvents(first time.Time, n int) []string {
	events := make([]string, n)
	for i := range events {
		start := first.Add(time.Duration(i) * (365 * 24 * time.Hour / time.Duration(n))).Truncate(time.Minute)
		events[i] = fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:bench-%05d\r\nDTSTAMP:20260101T000000Z\r\n"+
			"DTSTART:%s\r\nDTEND:%s\r\nSUMMARY:Meeting %d\r\nLOCATION:Room %d\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			i, start.Format("20060102T150405Z"), start.Add(45*time.Minute).Format("20060102T150405Z"), i, i%12)
	}
	return events
}

// calendarServer is a CalDAV server holding the benchmark's calendar.
type calendarServer struct {
	base, calendar, user, pass string
	client                     *http.Client
}

func (s calendarServer) do(b *testing.B, method, path, body, depth string) (int, string) {
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.SetBasicAuth(s.user, s.pass)
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	if method == "PUT" {
		req.Header.Set("Content-Type", "text/calendar; charset=utf-8")
	}
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	res, err := s.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

// measure runs the request b.N times after ten to warm up (each of the
// plugin's database connections serves some first) and reports
// the median and the 90th percentile.
func measure(b *testing.B, request func()) {
	for range 10 {
		request()
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		request()
		times = append(times, time.Since(t))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*9/10].Microseconds())/1000, "p90-ms")
}

func tokenIn(body string) string {
	_, rest, _ := strings.Cut(body, "sync-token")
	_, rest, _ = strings.Cut(rest, ">")
	token, _, _ := strings.Cut(rest, "<")
	return token
}

// atriumWith runs Atrium with the agenda and puts the events in the demo
// coach's calendar, as if their app had sent them (texts).
func atriumWith(b testing.TB, db config.Database, texts []string) calendarServer {
	bin := coretest.BuildThisPlugin(b)
	app := coretest.NewApp(b, db, coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(b, c, true, bin)
		c.Log.Level = "warn"
		c.Server.RateLimit = 1_000_000
		// A first sync's one report for 10,000 events takes seconds alone,
		// and longer than a page may on a machine running the whole suite.
		c.Plugins.CallTimeout = time.Minute
	}})
	ctx := context.Background()
	coach, err := app.Identity().ByEmail(ctx, "coach@harbour.example")
	if err != nil {
		b.Fatal(err)
	}
	pass, err := app.Identity().CreateAppPassword(ctx, coach, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	orgID := app.OrgOf(b, coach.ID)
	now := time.Now().UTC()
	rows := make([]events.Event, 0, len(texts))
	for i, data := range texts {
		cal, err := caldav.Decode([]byte(data))
		if err != nil {
			b.Fatal(err)
		}
		p, err := events.Parse(cal, time.UTC, now)
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, events.Event{OrganisationID: orgID, CoachID: coach.ID, Name: fmt.Sprintf("bench-%05d.ics", i), UID: p.UID, ETag: events.ETag(p.Data),
			Data: p.Data, StartsAt: p.Start, EndsAt: p.End, Busy: true, Simple: p.Simple, UpdatedAt: now})
	}
	for len(rows) > 0 {
		n := min(len(rows), 500)
		batch := rows[:n]
		if _, err := app.Plugins().PluginDB("agenda", orgID).NewInsert().Model(&batch).ModelTableExpr(app.Plugins().Table("agenda", "agenda_events")).Exec(ctx); err != nil {
			b.Fatal(err)
		}
		rows = rows[n:]
	}
	if strings.Contains(app.Plugins().Table("agenda", "agenda_events"), ".") {
		// PostgreSQL: statistics of the loaded table, as its autovacuum
		// would have them soon after such a load.
		if _, err := app.DB().ExecContext(ctx, "ANALYZE "+app.Plugins().Table("agenda", "agenda_events")); err != nil {
			b.Fatal(err)
		}
	}
	return calendarServer{base: app.URL, calendar: fmt.Sprintf("/dav/agenda/%d/calendars/agenda/", coach.ID), user: coach.Email, pass: pass, client: &http.Client{}}
}

// radicaleWith runs Radicale on a free loopback port with the events as
// files of one calendar collection.
func radicaleWith(b *testing.B, events []string) calendarServer {
	dir := b.TempDir()
	coll := filepath.Join(dir, "collection-root", "coach", "agenda")
	if err := os.MkdirAll(coll, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(coll, ".Radicale.props"), []byte(`{"tag": "VCALENDAR"}`), 0o644); err != nil {
		b.Fatal(err)
	}
	for i, data := range events {
		if err := os.WriteFile(filepath.Join(coll, fmt.Sprintf("bench-%05d.ics", i)), []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command("radicale", "--server-hosts", addr, "--storage-filesystem-folder", dir, "--auth-type", "none", "--rights-type", "owner_only", "--logging-level", "warning")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := calendarServer{base: "http://" + addr, calendar: "/coach/agenda/", user: "coach", pass: "coach", client: &http.Client{}}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(s.base + "/.web/"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("radicale did not start")
		}
	}
	return s
}
