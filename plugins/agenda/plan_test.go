package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestCoachPlansForACoachee: from the coachee's dossier the coach plans a
// session for them; both are mailed, the coachee sees it among their
// coming sessions and the dossier's card lists it. Bad input is named and
// books nothing; the coachee, the employer's contact and
// dossiers out of reach get a 404 or 403.
func TestCoachPlansForACoachee(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app, smtp := withMail(t, db, bin)
		dossier := app.DossierOf(t, "coachee@harbour.example")
		coach, kim, hr := app.Client(t), app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim.SignIn("coachee@harbour.example")
		hr.SignIn("hr@harbour.example")
		openEveryDay(t, coach)

		card := coach.Get("/dossiers/" + strconv.FormatInt(dossier, 10))
		plan, ok := card.Doc.Find("#agenda-plan").Attr("href")
		if !ok || card.Doc.Find("#agenda-card-coming").Length() != 0 {
			t.Fatalf("the dossier's sessions card: %q", card.Text("main"))
		}
		page := coach.Get(plan)
		if page.StatusCode != 200 || page.Text("main h1") != "Plan a session for Kim Bakker" || page.Doc.Find("#agenda-apps").Length() != 0 {
			t.Fatalf("the planning page: %d %q", page.StatusCode, page.Text("main h1"))
		}
		_, start := firstFreeOn(t, coach, plan)

		for name, form := range map[string]url.Values{
			"no time":           {"start": {""}},
			"a time that is no": {"start": {"next tuesday"}},
			"a theme not known": {"start": {start}, "theme": {"Astrology"}},
		} {
			if res := coach.PostForm(plan, form); res.StatusCode != 422 || res.Text("#agenda-book-error")+res.Text(".field-error") == "" {
				t.Errorf("%s: %d", name, res.StatusCode)
			}
		}
		for who, c := range map[string]*coretest.Client{"Kim": kim, "the employer's contact": hr} {
			if res := c.Get(plan); res.StatusCode != 403 && res.StatusCode != 404 {
				t.Errorf("%s opens the planning page: %d", who, res.StatusCode)
			}
			if res := c.PostForm(plan, url.Values{"start": {start}}); res.StatusCode != 403 && res.StatusCode != 404 {
				t.Errorf("%s plans: %d", who, res.StatusCode)
			}
		}
		for _, elsewhere := range []string{"/m/agenda/dossiers/999999/book", "/m/agenda/dossiers/x/book"} {
			if res := coach.Get(elsewhere); res.StatusCode != 404 {
				t.Errorf("%s: %d", elsewhere, res.StatusCode)
			}
		}
		if n := kim.Get("/m/agenda/book").Doc.Find("#agenda-upcoming li").Length(); n != 0 {
			t.Fatalf("bad input planned %d sessions", n)
		}

		res := coach.PostForm(plan, url.Values{"start": {start}})
		if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "/m/agenda/appointments/") {
			t.Fatalf("planning: %d %q %s", res.StatusCode, res.Header.Get("Location"), res.Text("main"))
		}
		// The appointment leads the coach back to the dossier.
		if href, _ := coach.Get(res.Header.Get("Location")).Doc.Find("#agenda-dossier").Attr("href"); href != "/dossiers/"+strconv.FormatInt(dossier, 10) {
			t.Errorf("the appointment's way to the dossier: %q", href)
		}
		if n := kim.Get("/m/agenda/book").Doc.Find("#agenda-upcoming li").Length(); n != 1 {
			t.Errorf("Kim's coming sessions: %d", n)
		}
		waitSubject(t, smtp, "coachee@harbour.example", "Appointment confirmed")
		waitSubject(t, smtp, "coach@harbour.example", "Appointment confirmed")
		if n := coach.Get("/dossiers/" + strconv.FormatInt(dossier, 10)).Doc.Find("#agenda-card-coming li").Length(); n != 1 {
			t.Errorf("the dossier's card lists %d sessions", n)
		}
		// Kim's own dossier (her start page) shows her the session too, with
		// her own booking page; the employer's contact sees no card.
		own := kim.Get("/dossiers/" + strconv.FormatInt(dossier, 10))
		if href, _ := own.Doc.Find("#agenda-plan").Attr("href"); href != "/m/agenda/book" || own.Doc.Find("#agenda-card-coming li").Length() != 1 {
			t.Errorf("Kim's own sessions card: %q, %q", href, own.Text("#agenda-card-coming"))
		}
		if res := hr.Get("/dossiers/" + strconv.FormatInt(dossier, 10)); res.Doc != nil && res.Doc.Find("#agenda-plan").Length() != 0 {
			t.Error("the employer's contact is offered to plan")
		}
		if res := coach.PostForm(plan, url.Values{"start": {start}}); res.StatusCode != 409 {
			t.Errorf("the same time again: %d", res.StatusCode)
		}
	})
}
