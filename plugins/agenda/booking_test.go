package main

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// openEveryDay gives the coach hours every day and a one-hour session type
// that may be booked right away.
func openEveryDay(t *testing.T, coach *coretest.Client) {
	t.Helper()
	for day := 0; day < 7; day++ {
		if res := coach.PostForm("/m/agenda/availability/hours", url.Values{"day": {string(rune('0' + day))}, "start": {"09:00"}, "end": {"17:00"}, "place": {"online"}}); res.StatusCode != 303 {
			t.Fatalf("hours: %d", res.StatusCode)
		}
	}
	if res := coach.PostForm("/m/agenda/availability/session-types", url.Values{"name": {"Session"}, "duration": {"60"}, "notice": {"0"}, "ahead": {"60"}}); res.StatusCode != 303 {
		t.Fatalf("session type: %d", res.StatusCode)
	}
}

// withMail runs the agenda as it ships on db with a real SMTP server for
// its mails.
func withMail(t *testing.T, db config.Database, bin string) (*coretest.App, *coretest.MailServer) {
	t.Helper()
	smtp := coretest.SMTP(t)
	app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		smtp.Configure(c)
	}})
	return app, smtp
}

// firstFree is the first free time the coachee is offered: the day and
// the start to send back.
func firstFree(t *testing.T, kim *coretest.Client) (string, string) {
	t.Helper()
	return firstFreeOn(t, kim, "/m/agenda/book")
}

// firstFreeOn is the first free time a booking page (the coachee's own, or
// a coach's for a dossier) offers.
func firstFreeOn(t *testing.T, c *coretest.Client, page string) (string, string) {
	t.Helper()
	res := c.Get(page)
	day, ok := res.Doc.Find("#agenda-month .calendar-pick.free").First().Attr("data-day")
	if !ok {
		res = c.Get(page + "?month=" + time.Now().AddDate(0, 1, 0).Format("2006-01"))
		day, ok = res.Doc.Find("#agenda-month .calendar-pick.free").First().Attr("data-day")
	}
	if !ok {
		t.Fatalf("no day with free time on %s: %d %s", page, res.StatusCode, res.Text("main"))
	}
	slots := c.Get(page + "?month=" + day[:7] + "&day=" + day)
	start, ok := slots.Doc.Find(`#agenda-slots input[name="start"]`).First().Attr("value")
	if !ok {
		t.Fatalf("no free time on %s: %s", day, slots.Text("main"))
	}
	return day, start
}

// TestBookingThroughTheHost books, moves and cancels a session on both
// databases: bad input is named and books nothing, the coach sees it in
// the agenda, both sides get mails with one calendar event whose sequence
// rises, the trajectory counts it, and nobody else can open it.
func TestBookingThroughTheHost(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app, smtp := withMail(t, db, bin)
		coach, kim := app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim.SignIn("coachee@harbour.example")
		if res := kim.Get("/m/agenda/book"); res.Doc.Find("#agenda-book-problem").Length() != 0 {
			t.Fatalf("Kim cannot book: %s", res.Text("#agenda-book-problem"))
		}
		if n := kim.Get("/m/agenda/book").Doc.Find(".calendar-pick.free").Length(); n != 0 {
			t.Errorf("free days before the coach has hours: %d", n)
		}
		openEveryDay(t, coach)
		day, start := firstFree(t, kim)

		// Bad input: named, and nothing is booked.
		for _, bad := range []struct {
			form   url.Values
			status int
		}{
			{url.Values{"start": {"tomorrow at ten"}}, 422},
			{url.Values{"start": {""}}, 422},
			{url.Values{"start": {start}, "theme": {"Not on the list"}}, 422},
			{url.Values{"start": {shift(t, start, 7*time.Minute)}}, 409},
			{url.Values{"start": {shift(t, start, -24*365*time.Hour)}}, 409},
			{url.Values{"start": {start}, "type": {"99999"}, "theme": {strings.Repeat("x", 5000)}}, 422},
		} {
			res := kim.PostForm("/m/agenda/book", bad.form)
			if res.StatusCode != bad.status || res.Text("#agenda-book-error")+res.Text(".field-error") == "" {
				t.Errorf("booking %.80s: %d %q, want %d and a message", bad.form.Get("start")+" "+bad.form.Get("theme"), res.StatusCode, res.Text("#agenda-book-error"), bad.status)
			}
		}
		if got := kim.Get("/m/agenda/book").Doc.Find("#agenda-upcoming li").Length(); got != 0 {
			t.Fatalf("bad input booked %d sessions", got)
		}

		res := kim.PostForm("/m/agenda/book", url.Values{"start": {start}})
		where, _, _ := strings.Cut(res.Header.Get("Location"), "?")
		if res.StatusCode != 303 || !strings.Contains(where, "/m/agenda/appointments/") {
			t.Fatalf("booking: %d %q %s", res.StatusCode, where, res.Text("main"))
		}
		dossier := kim.Get("/").Header.Get("Location")
		if again := kim.PostForm("/m/agenda/book", url.Values{"start": {start}}); again.StatusCode != 409 {
			t.Errorf("booking the same time twice: %d", again.StatusCode)
		}
		page := kim.Get(where + "?booked=1")
		if page.StatusCode != 200 || page.Text("#agenda-booked") == "" || !strings.Contains(page.Text("#agenda-appointment"), "Chris Jansen") {
			t.Errorf("the appointment: %d %q", page.StatusCode, page.Text("#agenda-appointment"))
		}
		week := coach.Get("/m/agenda/agenda?view=week&date=" + day)
		if got := week.Text(`#agenda-calendar [data-day="` + day + `"]`); !strings.Contains(got, "Kim Bakker") {
			t.Errorf("the coach's week on %s: %q", day, got)
		}
		for _, view := range []string{"day", "month", "nonsense"} {
			if got := coach.Get("/m/agenda/agenda?view=" + view + "&date=" + day); got.StatusCode != 200 || !strings.Contains(got.Text("#agenda-calendar"), "Kim Bakker") {
				t.Errorf("the coach's %s view: %d", view, got.StatusCode)
			}
		}
		if got := coach.Get("/m/agenda/agenda?view=week&date=not-a-date"); got.StatusCode != 200 {
			t.Errorf("a bad date: %d", got.StatusCode)
		}
		if got := kim.Get(dossier); !strings.Contains(got.Text("main"), "1 booked") {
			t.Errorf("the trajectory does not count the booking: %q", got.Text("main table"))
		}
		booked := smtp.WaitFor("coachee@harbour.example")
		toCoach := smtp.WaitFor("coach@harbour.example")
		ics := booked.Part("text/calendar")
		uid := line(ics, "UID:")
		if !strings.Contains(booked.Subject(), "Appointment confirmed") || !strings.Contains(ics, "METHOD:REQUEST") || uid == "" || line(ics, "SEQUENCE:") != "SEQUENCE:0" {
			t.Errorf("the confirmation: %q\n%s", booked.Subject(), ics)
		}
		if !strings.Contains(toCoach.Part("text/plain"), "Kim Bakker") || line(toCoach.Part("text/calendar"), "UID:") != uid {
			t.Errorf("the coach's confirmation: %s", toCoach.Part("text/plain"))
		}

		// Nobody else opens it: another member, or a coachee on the coach's pages.
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")

		// Themes: the administrator keeps the list; the coach sets one.
		for _, bad := range []string{"", strings.Repeat("x", 61)} {
			if res := admin.PostForm("/m/agenda/themes", url.Values{"name": {bad}}); res.StatusCode != 422 || res.Text("#agenda-theme-error") == "" {
				t.Errorf("theme %.10q: %d", bad, res.StatusCode)
			}
		}
		if res := admin.PostForm("/m/agenda/themes", url.Values{"name": {"Career"}}); res.StatusCode != 303 {
			t.Fatalf("theme: %d", res.StatusCode)
		}
		if res := admin.PostForm("/m/agenda/themes", url.Values{"name": {"Career"}}); res.StatusCode != 422 {
			t.Errorf("the same theme twice: %d", res.StatusCode)
		}
		if res := coach.PostForm("/m/agenda/themes", url.Values{"name": {"Stress"}}); res.StatusCode != 403 {
			t.Errorf("a coach keeps the themes: %d", res.StatusCode)
		}
		if res := coach.PostForm(where+"/theme", url.Values{"theme": {"Unknown"}}); res.StatusCode != 422 {
			t.Errorf("a theme not on the list: %d", res.StatusCode)
		}
		if res := coach.PostForm(where+"/theme", url.Values{"theme": {"Career"}}); res.StatusCode != 303 || !strings.Contains(coach.Get(where).Text("#agenda-appointment"), "Career") {
			t.Errorf("setting the theme: %d", res.StatusCode)
		}
		if res := coach.PostForm(where+"/outcome", url.Values{"outcome": {"maybe"}}); res.StatusCode != 422 || res.Text("#agenda-outcome-error") == "" {
			t.Errorf("an outcome that is none: %d", res.StatusCode)
		}
		if res := admin.Get(where); res.StatusCode != 404 {
			t.Errorf("someone else opens the appointment: %d", res.StatusCode)
		}
		if res := admin.PostForm(where+"/cancel", url.Values{"reason": {"mine now"}}); res.StatusCode != 404 {
			t.Errorf("someone else cancels the appointment: %d", res.StatusCode)
		}
		if res := kim.PostForm(where+"/move", url.Values{"date": {day}, "time": {"10:00"}}); res.StatusCode != 403 {
			t.Errorf("the coachee moves it: %d", res.StatusCode)
		}
		if res := kim.Get("/m/agenda/agenda"); res.StatusCode != 403 {
			t.Errorf("the coachee opens the coach's agenda: %d", res.StatusCode)
		}

		// The coach moves it: bad input named, a taken time refused, then moved.
		for _, bad := range []url.Values{{"date": {"2026-02-30"}, "time": {"10:00"}}, {"date": {day}, "time": {"10:99"}}, {"date": {day}, "time": {"10:00"}, "reason": {strings.Repeat("x", 501)}}} {
			if res := coach.PostForm(where+"/move", bad); res.StatusCode != 422 || res.Text(".field-error") == "" {
				t.Errorf("moving %s %s: %d", bad.Get("date"), bad.Get("time"), res.StatusCode)
			}
		}
		if res := coach.PostForm(where+"/move", url.Values{"date": {day}, "time": {"03:00"}}); res.StatusCode != 409 {
			t.Errorf("moving out of the open hours: %d", res.StatusCode)
		}
		if res := coach.PostForm(where+"/outcome", url.Values{"outcome": {"held"}}); res.StatusCode != 422 {
			t.Errorf("marking a session held before it began: %d", res.StatusCode)
		}
		next := day
		if d, err := time.Parse(time.DateOnly, day); err == nil {
			next = d.AddDate(0, 0, 1).Format(time.DateOnly)
		}
		if res := coach.PostForm(where+"/move", url.Values{"date": {next}, "time": {"15:00"}, "reason": {"A meeting came up"}}); res.StatusCode != 303 {
			t.Fatalf("moving: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		if got := coach.Get(where).Text("#agenda-appointment-when"); !strings.Contains(got, "15:00") {
			t.Errorf("moved to %q", got)
		}
		moved := waitSubject(t, smtp, "coachee@harbour.example", "Appointment moved")
		ics = moved.Part("text/calendar")
		if line(ics, "UID:") != uid || line(ics, "SEQUENCE:") != "SEQUENCE:1" || !strings.Contains(moved.Part("text/plain"), "A meeting came up") {
			t.Errorf("the update: %s\n%s", moved.Part("text/plain"), ics)
		}

		// Kim cancels it: a reason is asked; the cancellation goes out and
		// the trajectory no longer counts it.
		if res := kim.PostForm(where+"/cancel", url.Values{"reason": {"  "}}); res.StatusCode != 422 || res.Text("#agenda-cancel-reason-error") == "" {
			t.Errorf("cancelling without a reason: %d", res.StatusCode)
		}
		if res := kim.PostForm(where+"/cancel", url.Values{"reason": {"I am ill"}}); res.StatusCode != 303 {
			t.Fatalf("cancelling: %d", res.StatusCode)
		}
		if res := kim.PostForm(where+"/cancel", url.Values{"reason": {"again"}}); res.StatusCode != 409 && res.StatusCode != 422 {
			t.Errorf("cancelling twice: %d", res.StatusCode)
		}
		cancelled := waitSubject(t, smtp, "coach@harbour.example", "Appointment cancelled")
		ics = cancelled.Part("text/calendar")
		if !strings.Contains(ics, "METHOD:CANCEL") || line(ics, "UID:") != uid || line(ics, "SEQUENCE:") != "SEQUENCE:2" || !strings.Contains(ics, "STATUS:CANCELLED") {
			t.Errorf("the cancellation:\n%s", ics)
		}
		if got := kim.Get(dossier); strings.Contains(got.Text("main table"), "booked") {
			t.Errorf("the trajectory still counts the cancelled session")
		}
		if got := coach.Get(where).Text("#agenda-status"); got != "Cancelled" {
			t.Errorf("status %q", got)
		}
	})
}

// TestOneSlotOneBooking sends the same booking many times at once: exactly
// one appointment is made, the rest are told the time was taken.
func TestOneSlotOneBooking(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		coach, kim := app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim.SignIn("coachee@harbour.example")
		openEveryDay(t, coach)
		day, start := firstFree(t, kim)
		const tries = 8
		statuses := make([]int, tries)
		var wg sync.WaitGroup
		for i := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = kim.PostForm("/m/agenda/book", url.Values{"start": {start}}).StatusCode
			}()
		}
		wg.Wait()
		made, taken := 0, 0
		for _, s := range statuses {
			switch s {
			case 303:
				made++
			case 409:
				taken++
			}
		}
		if made != 1 || taken != tries-1 {
			t.Errorf("%d concurrent bookings of one time: %v, want one 303 and the rest 409", tries, statuses)
		}
		if n := coach.Get("/m/agenda/agenda?view=day&date=" + day).Doc.Find("#agenda-calendar .calendar-item").Length(); n != 1 {
			t.Errorf("appointments on %s: %d, want 1", day, n)
		}
	})
}

func shift(t *testing.T, rfc3339 string, d time.Duration) string {
	t.Helper()
	at, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		t.Fatal(err)
	}
	return at.Add(d).Format(time.RFC3339)
}

// line is the first line of an iCalendar text that starts with prefix.
func line(ics, prefix string) string {
	for _, l := range strings.Split(ics, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// waitSubject waits for a mail to addr whose subject holds subject.
func waitSubject(t *testing.T, smtp *coretest.MailServer, addr, subject string) coretest.Received {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, m := range smtp.Messages() {
			if m.To == addr && strings.Contains(m.Subject(), subject) {
				return m
			}
		}
	}
	t.Fatalf("no mail %q to %s", subject, addr)
	return coretest.Received{}
}
