package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestAvailabilityThroughTheHost runs the agenda as it ships on both
// databases: a coach keeps weekly hours (bad input refused and nothing
// kept), sees the free hours they give, sets a time zone, removes hours; a
// coachee cannot open the page.
func TestAvailabilityThroughTheHost(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		page := coach.Get("/m/agenda/availability")
		if page.StatusCode != 200 || page.Text("main h1") != "My availability" || page.Doc.Find("#agenda-no-hours").Length() != 1 {
			t.Fatalf("the page: %d %q", page.StatusCode, page.Text("main h1"))
		}
		for _, bad := range []struct {
			form  url.Values
			field string
		}{
			{url.Values{"day": {"1"}, "start": {"12:00"}, "end": {"09:00"}}, "#agenda-end-error"},
			{url.Values{"day": {"1"}, "start": {"25:00"}, "end": {"26:00"}}, "#agenda-start-error"},
			{url.Values{"day": {"9"}, "start": {"09:00"}, "end": {"12:00"}}, ".field-error"},
			{url.Values{"day": {"1"}, "start": {"09:00"}, "end": {"12:00"}, "place": {strings.Repeat("x", 81)}}, ".field-error"},
		} {
			res := coach.PostForm("/m/agenda/availability/hours", bad.form)
			if res.StatusCode != 422 || res.Text(bad.field) == "" {
				t.Errorf("hours %v: %d %q", bad.form, res.StatusCode, res.Text(bad.field))
			}
		}
		if res := coach.PostForm("/m/agenda/availability/hours", url.Values{"day": {"1"}, "start": {"09:00"}, "end": {"12:00"}, "place": {""}}); res.StatusCode != 303 {
			t.Fatalf("hours: %d", res.StatusCode)
		}
		if res := coach.PostForm("/m/agenda/availability/hours", url.Values{"day": {"1"}, "start": {"11:00"}, "end": {"13:00"}}); res.StatusCode != 422 || !strings.Contains(res.Text("#agenda-start-error"), "overlap") {
			t.Errorf("overlapping hours: %d %q", res.StatusCode, res.Text("#agenda-start-error"))
		}
		page = coach.Get("/m/agenda/availability")
		if got := page.Text("#agenda-hours"); !strings.Contains(got, "Monday") || !strings.Contains(got, "09:00–12:00") || !strings.Contains(got, "online") {
			t.Errorf("the hours: %q", got)
		}
		if n := page.Doc.Find("#agenda-free li").Length(); n == 0 || n > 3 {
			t.Errorf("free hours this week: %d, want 1 to 3 (Monday 09:00–12:00)", n)
		}
		// Session types: each bad field is named, a good one shapes the preview.
		res := coach.PostForm("/m/agenda/availability/session-types", url.Values{"name": {""}, "duration": {"0"}, "buffer_before": {"-5"}, "notice": {"many"}, "ahead": {"0"}, "daily_max": {"99"}})
		for _, field := range []string{"name", "duration", "buffer_before", "notice", "ahead", "daily_max"} {
			if res.StatusCode != 422 || res.Text("#agenda-type-"+field+"-error") == "" {
				t.Errorf("session type %s: %d %q", field, res.StatusCode, res.Text("#agenda-type-"+field+"-error"))
			}
		}
		if res := coach.PostForm("/m/agenda/availability/session-types", url.Values{"name": {"Intake"}, "duration": {"90"}, "buffer_after": {"15"}, "notice": {"0"}}); res.StatusCode != 303 {
			t.Fatalf("session type: %d", res.StatusCode)
		}
		page = coach.Get("/m/agenda/availability")
		if got := page.Text("#agenda-types"); !strings.Contains(got, "Intake") || !strings.Contains(got, "90 min") {
			t.Errorf("session types: %q", got)
		}
		if got := page.Text("#agenda-free-title"); !strings.Contains(got, "Intake") {
			t.Errorf("the preview's session: %q", got)
		}
		if n := page.Doc.Find("#agenda-free li").Length(); n == 0 || n > 2 {
			t.Errorf("90-minute sessions in Monday 09:00–12:00: %d, want 1 or 2", n)
		}
		// Time off and extra hours: bad dates and times are named; a day off
		// and extra hours are listed.
		res = coach.PostForm("/m/agenda/availability/changes", url.Values{"kind": {"extra"}, "first": {"2026-13-01"}, "change_from": {"14:00"}, "change_until": {"13:00"}})
		if res.StatusCode != 422 || res.Text("#agenda-first-error") == "" || res.Text("#agenda-change_until-error") == "" {
			t.Errorf("a bad change: %d %q %q", res.StatusCode, res.Text("#agenda-first-error"), res.Text("#agenda-change_until-error"))
		}
		if res := coach.PostForm("/m/agenda/availability/changes", url.Values{"kind": {"off"}, "first": {"2099-12-24"}, "last": {"2099-12-23"}}); res.StatusCode != 422 {
			t.Errorf("a last day before the first: %d", res.StatusCode)
		}
		if res := coach.PostForm("/m/agenda/availability/changes", url.Values{"kind": {"off"}, "first": {"2099-12-24"}, "last": {"2099-12-26"}}); res.StatusCode != 303 {
			t.Fatalf("time off: %d", res.StatusCode)
		}
		if res := coach.PostForm("/m/agenda/availability/changes", url.Values{"kind": {"extra"}, "first": {"2099-12-28"}, "change_from": {"18:00"}, "change_until": {"20:00"}, "change_place": {"Utrecht"}}); res.StatusCode != 303 {
			t.Fatalf("extra hours: %d", res.StatusCode)
		}
		changes := coach.Get("/m/agenda/availability")
		if got := changes.Text("#agenda-changes"); !strings.Contains(got, "Time off") || !strings.Contains(got, "Extra hours") || !strings.Contains(got, "Utrecht") {
			t.Errorf("changes: %q", got)
		}
		// Three days off are one stretch to the end of the last day; extra
		// hours are the times given.
		if got := changes.Text("#agenda-changes"); !strings.Contains(got, "Thu 24 Dec 00:00 – Sun 27 Dec 00:00") || !strings.Contains(got, "Mon 28 Dec 18:00 – Mon 28 Dec 20:00") {
			t.Errorf("the changes' times: %q", got)
		}
		// Removing: one's own rows only; another id, or one gone, is a 404.
		for _, kind := range []string{"changes", "session-types", "hours"} {
			if res := coach.PostForm("/m/agenda/availability/"+kind+"/999999/delete", url.Values{}); res.StatusCode != 404 {
				t.Errorf("removing an unknown %s: %d", kind, res.StatusCode)
			}
		}
		removeChange, _ := changes.Doc.Find(`#agenda-changes form`).Attr("action")
		if res := coach.PostForm(removeChange, url.Values{}); res.StatusCode != 303 {
			t.Errorf("removing a change: %d", res.StatusCode)
		}
		removeType, _ := changes.Doc.Find(`#agenda-types form`).Attr("action")
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		if res := kim.PostForm(removeType, url.Values{}); res.StatusCode != 403 {
			t.Errorf("a coachee removes a coach's session type: %d", res.StatusCode)
		}
		if res := coach.PostForm(removeType, url.Values{}); res.StatusCode != 303 {
			t.Errorf("removing a session type: %d", res.StatusCode)
		}
		if res := coach.PostForm("/m/agenda/availability/zone", url.Values{"zone": {"Mars/Olympus"}}); res.StatusCode != 422 || res.Text("#agenda-zone-error") == "" {
			t.Errorf("a time zone that does not exist: %d", res.StatusCode)
		}
		if res := coach.PostForm("/m/agenda/availability/zone", url.Values{"zone": {"America/New_York"}}); res.StatusCode != 303 {
			t.Errorf("zone: %d", res.StatusCode)
		}
		if got := coach.Get("/m/agenda/availability").Text(".lead"); !strings.Contains(got, "America/New_York") {
			t.Errorf("the zone was not kept: %q", got)
		}
		action, _ := coach.Get("/m/agenda/availability").Doc.Find(`#agenda-hours form`).Attr("action")
		if res := coach.PostForm(action, url.Values{}); res.StatusCode != 303 {
			t.Fatalf("remove %q: %d", action, res.StatusCode)
		}
		if res := coach.PostForm(action, url.Values{}); res.StatusCode != 404 {
			t.Errorf("removing again: %d", res.StatusCode)
		}
		if res := kim.Get("/m/agenda/availability"); res.StatusCode != 403 {
			t.Errorf("a coachee opens the coach's availability: %d", res.StatusCode)
		}
	})
}
