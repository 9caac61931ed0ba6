package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"

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

func newDAVServer(t *testing.T, bin string, db config.Database, smtp *coretest.MailServer) *davServer {
	t.Helper()
	app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		if smtp != nil {
			smtp.Configure(c)
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
		code, _, body := s.do(t, "PROPFIND", "/dav/agenda/", `<?xml version="1.0"?><propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>`, "Depth", "0", "Content-Type", "application/xml")
		if code != 207 || !strings.Contains(body, "/dav/agenda/") {
			t.Fatalf("root: %d %s", code, body)
		}
		t.Log(body)
	})
}

// TestPythonCalDAVClient runs Debian's python3-caldav against the server:
// discovery from the root URL with an app password, listing, a time-range
// search, create, change, delete, and syncs that carry only what changed.
func TestPythonCalDAVClient(t *testing.T) {
	t.Parallel()
	python := needProgram(t, "/usr/bin/python3", "python3-caldav", "-c", "import caldav")
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		s := newDAVServer(t, bin, db, nil)
		out, err := exec.Command(python, "testdata/python_caldav.py", s.app.URL+"/", s.user, s.pass).CombinedOutput()
		if err != nil {
			t.Fatalf("python3-caldav: %v\n%s", err, out)
		}
		t.Logf("python3-caldav:\n%s", out)
		got := steps(string(out))
		cal := "/dav/agenda/" + got["principal"][len("/dav/agenda/"):] + "calendars/agenda/"
		for step, want := range map[string]string{
			"calendars":            "1",
			"calendar":             cal,
			"created":              cal + "interop-python-1.ics",
			"changed since first":  cal + "interop-python-1.ics",
			"changed since create": cal + "interop-python-1.ics",
			"fetched summary":      "True",
			"changed since change": cal + "interop-python-1.ics",
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
