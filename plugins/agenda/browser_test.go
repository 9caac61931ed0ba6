package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestBrowserBookAndSee is the story in a real browser: Kim plans a
// session through the month view, and her coach finds it in the agenda.
func TestBrowserBookAndSee(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	openEveryDay(t, coach)
	codes := app.Client(t)
	b := coretest.Browser(t)
	text := func(selector string) string { return coretest.Text(t, b, selector) }

	coretest.BrowserSignIn(t, b, app.URL, "coachee@harbour.example", demo.Password, codes.FreshCode("coachee@harbour.example"))
	coretest.Step(t, b, chromedp.Click(`nav a[href="/m/agenda/book"]`))
	coretest.Wait(t, b, `document.querySelector("#agenda-month") !== null`)
	day, err := chromedp.Run(b, chromedp.Evaluate[string](`(document.querySelector("#agenda-month .calendar-pick.free") || {dataset: {day: ""}}).dataset.day`))
	if err != nil || day == "" {
		// Late in the month the free days may all be in the next one.
		coretest.Step(t, b, chromedp.Click(`.calendar-nav a[rel="next"]`))
		coretest.Wait(t, b, `document.querySelector("#agenda-month .calendar-pick.free") !== null`)
		day, _ = chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector("#agenda-month .calendar-pick.free").dataset.day`))
	}
	coretest.Step(t, b, chromedp.Click(`#agenda-month .calendar-pick.free`))
	coretest.Wait(t, b, `document.querySelector("#agenda-slots input[name=start]:checked") !== null && document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping") === null`)
	slot := text(`#agenda-slots label:has(input:checked)`)
	coretest.SubmitAndWait(t, b, "#agenda-book-button", `document.querySelector("#agenda-booked") !== null`)
	if got := text("#agenda-appointment"); !strings.Contains(got, "Chris Jansen") {
		t.Errorf("the booked appointment: %q", got)
	}
	coretest.Shot(t, b, "agenda-booked")
	coretest.BrowserSignOut(t, b)

	coretest.BrowserSignIn(t, b, app.URL, "coach@harbour.example", demo.Password, codes.FreshCode("coach@harbour.example"))
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/m/agenda/agenda?view=week&date="+day))
	coretest.Wait(t, b, `document.querySelector("#agenda-calendar") !== null`)
	if got := text(`#agenda-calendar [data-day="` + day + `"]`); !strings.Contains(got, "Kim Bakker") || !strings.Contains(got, strings.Fields(slot)[0]) {
		t.Errorf("the coach's week on %s: %q, want Kim Bakker at %s", day, got, slot)
	}
	coretest.Shot(t, b, "agenda-week")
	// The month view and back by the view switch, boosted.
	coretest.Step(t, b, chromedp.Click(`.segmented a[href*="view=month"]`))
	coretest.Wait(t, b, `document.querySelector("#agenda-calendar.calendar-month") !== null`)
	coretest.Step(t, b, chromedp.Click(`#agenda-calendar .calendar-item`))
	coretest.Wait(t, b, `document.querySelector("#agenda-appointment") !== null`)
	if got := text("#agenda-appointment"); !strings.Contains(got, "Kim Bakker") {
		t.Errorf("the appointment from the coach's side: %q", got)
	}
	// From Kim's dossier the coach sees her session and plans the next.
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/dossiers/"+strconv.FormatInt(app.DossierOf(t, "coachee@harbour.example"), 10)))
	coretest.Wait(t, b, `document.querySelector("#agenda-plan") !== null`)
	begins, _, _ := strings.Cut(strings.Fields(slot)[0], "–")
	if got := text("#agenda-card-coming"); !strings.Contains(got, "at "+begins) {
		t.Errorf("the dossier's sessions card: %q, want %s", got, slot)
	}
	coretest.Shot(t, b, "agenda-dossier-card")
	coretest.Step(t, b, chromedp.Click("#agenda-plan"))
	coretest.Wait(t, b, `document.querySelector("#agenda-month .calendar-pick.free") !== null || document.querySelector(".calendar-nav") !== null`)
	if got := text("main h1"); got != "Plan a session for Kim Bakker" {
		t.Errorf("the planning page: %q", got)
	}
	coretest.Shot(t, b, "agenda-plan")
}
