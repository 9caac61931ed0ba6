package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/atriumhq/atrium/plugins/sdk"
	"github.com/atriumhq/atrium/plugins/sdk/sdktest"
)

// page reads a response's HTML.
func page(t *testing.T, res *sdktest.Response) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestHandlers calls the agenda's pages against the SDK's fake host: a
// coach opens hours, a coachee books the first free time and cancels it
// (both sides mailed, the trajectory counted), and what is not a person's
// to see or do is a 404 or 403.
func TestHandlers(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	coach := h.AddPerson(sdktest.Person{Name: "Chris Coach", Email: "chris@example.org", Roles: []string{"coach"}})
	kim := h.AddPerson(sdktest.Person{Name: "Kim Bakker", Email: "kim@example.org", Roles: []string{"coachee"}})
	other := h.AddPerson(sdktest.Person{Name: "Alex Other", Roles: []string{"coachee"}})
	dossier := h.AddDossier(sdktest.Dossier{Name: "Kim Bakker", Person: kim, Coach: coach,
		Levels:       map[int64]sdk.Level{coach: "manage", kim: "contribute"},
		Trajectories: []sdk.Trajectory{{ID: 7, Number: 1, Product: "Coaching", Status: "planned", Planned: 5}}})

	c := h.As(coach)
	for day := range 7 {
		if res := c.PostForm("/availability/hours", url.Values{"day": {strconv.Itoa(day)}, "start": {"09:00"}, "end": {"17:00"}}); res.Status != 303 {
			t.Fatalf("hours: %d %s", res.Status, res.Body)
		}
	}
	if res := c.PostForm("/availability/hours", url.Values{"day": {"1"}, "start": {"10:00"}, "end": {"11:00"}}); res.Status != 422 ||
		page(t, res).Find("#agenda-start-error").Length() != 1 {
		t.Errorf("overlapping hours: %d", res.Status)
	}
	if res := c.PostForm("/availability/session-types", url.Values{"name": {"Session"}, "duration": {"60"}, "notice": {"0"}}); res.Status != 303 {
		t.Fatalf("session type: %d %s", res.Status, res.Body)
	}
	if res := c.PostForm("/availability/hours/999999/delete", nil); res.Status != 404 {
		t.Errorf("removing hours that are not there: %d", res.Status)
	}

	// Kim books the first free time, in this month or the next.
	k := h.As(kim)
	var dayLink string
	for _, month := range []string{"", "?month=" + time.Now().AddDate(0, 1, 0).Format("2006-01")} {
		if link, ok := page(t, k.Get("/book"+month)).Find("#agenda-month .calendar-pick.free").First().Attr("href"); ok {
			dayLink = link
			break
		}
	}
	if dayLink == "" {
		t.Fatal("no day with free time")
	}
	start, ok := page(t, k.Get(strings.TrimSuffix(dayLink, "#agenda-slots"))).Find(`#agenda-slots input[name="start"]`).First().Attr("value")
	if !ok {
		t.Fatal("no free time on the day")
	}
	res := k.PostForm("/book", url.Values{"start": {start}})
	if res.Status != 303 || !strings.HasPrefix(res.Location, "/m/agenda/appointments/") {
		t.Fatalf("booking: %d %q %s", res.Status, res.Location, res.Body)
	}
	appointment := strings.TrimSuffix(strings.TrimPrefix(res.Location, "/m/agenda"), "?booked=1")
	if again := k.PostForm("/book", url.Values{"start": {start}}); again.Status != 409 {
		t.Errorf("the same time again: %d", again.Status)
	}
	if s := h.Sessions(); len(s) == 0 || s[len(s)-1] != (sdktest.Sessions{Dossier: dossier, Trajectory: 7, Booked: 1}) {
		t.Errorf("sessions counted: %+v", s)
	}
	if m := h.Mails(); len(m) != 2 {
		t.Errorf("mails about the booking: %+v", m)
	}

	for _, tc := range []struct {
		who    int64
		method string
		path   string
		want   int
	}{
		{kim, "GET", appointment, 200},
		{coach, "GET", appointment, 200},
		{other, "GET", appointment, 404},
		{kim, "GET", "/appointments/nothing", 404},
		{kim, "POST", appointment + "/outcome", 404}, // the coach's to say (the host refuses it first: agenda.offer)
		{other, "POST", appointment + "/cancel", 404},
		{coach, "GET", "/dossiers/999999/book", 404},
		{coach, "GET", "/dossiers/" + strconv.FormatInt(dossier, 10) + "/book", 200},
	} {
		got := h.As(tc.who).Do(sdktest.Request{Method: tc.method, Path: tc.path, Form: url.Values{}})
		if got.Status != tc.want {
			t.Errorf("%s %s by %d: %d, want %d", tc.method, tc.path, tc.who, got.Status, tc.want)
		}
	}

	if res := k.PostForm(appointment+"/cancel", url.Values{"reason": {""}}); res.Status != 422 {
		t.Errorf("cancelling without a reason: %d", res.Status)
	}
	if res := k.PostForm(appointment+"/cancel", url.Values{"reason": {"Ill"}}); res.Status != 303 {
		t.Fatalf("cancelling: %d %s", res.Status, res.Body)
	}
	if got := page(t, k.Get(appointment)).Find("#agenda-status").Text(); got != "Cancelled" {
		t.Errorf("the status after cancelling: %q", got)
	}
	if s := h.Sessions(); len(s) == 0 || s[len(s)-1].Booked != 0 {
		t.Errorf("sessions after cancelling: %+v", s)
	}
}

// TestSettingsHandlers keeps the organisation's themes, naming and
// reminders: bad input is named and changes nothing.
func TestSettingsHandlers(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, module())
	admin := h.As(h.AddPerson(sdktest.Person{Name: "Ada Admin", Roles: []string{"admin"}}))
	if res := admin.PostForm("/themes", url.Values{"name": {"Career"}}); res.Status != 303 {
		t.Fatalf("a theme: %d %s", res.Status, res.Body)
	}
	for _, tc := range []struct {
		path string
		form url.Values
		want int
	}{
		{"/themes", url.Values{"name": {"Career"}}, 422},
		{"/themes", url.Values{"name": {" "}}, 422},
		{"/themes/names", url.Values{"names": {"nicknames"}}, 422},
		{"/themes/reminders", url.Values{"remind": {"7"}}, 422},
		{"/themes/999999/delete", url.Values{}, 404},
		{"/themes/names", url.Values{"names": {"full"}}, 303},
		{"/themes/reminders", url.Values{"remind": {"48"}}, 303},
	} {
		if res := admin.PostForm(tc.path, tc.form); res.Status != tc.want {
			t.Errorf("%s %v: %d, want %d", tc.path, tc.form, res.Status, tc.want)
		}
	}
	doc := page(t, admin.Get("/themes"))
	if got := doc.Find("#agenda-themes li").Length(); got != 1 {
		t.Errorf("themes: %d, want 1", got)
	}
	if v, _ := doc.Find(`input[name="remind"][checked]`).Attr("value"); v != "48" {
		t.Errorf("reminders: %q", v)
	}
	if a := h.Audited(); len(a) != 2 {
		t.Errorf("audited: %+v", a)
	}
	nobody := h.As(h.AddPerson(sdktest.Person{Name: "Emma Employer", Roles: []string{"employer_contact"}}))
	if res := nobody.PostForm("/feed", url.Values{}); res.Status != 403 {
		t.Errorf("a feed address without the agenda: %d", res.Status)
	}
}
