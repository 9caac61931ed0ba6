package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestRemindersBeforeASession: a coachee is mailed a reminder once, a day
// before a session, in their language with the session's page; again when
// the session moves; never for a session booked within that day (its
// confirmation is fresh), a cancelled one, or one further off. The
// organisation's admin chooses two hours or none instead.
func TestRemindersBeforeASession(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app, smtp := withMail(t, db, bin)
		ctx := context.Background()
		coach, kim := app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim.SignIn("coachee@harbour.example")
		openEveryDay(t, coach)
		_, start := firstFree(t, kim)
		res := kim.PostForm("/m/agenda/book", map[string][]string{"start": {start}})
		where, _, _ := strings.Cut(res.Header.Get("Location"), "?")
		id := where[strings.LastIndex(where, "/")+1:]
		if res.StatusCode != 303 || id == "" {
			t.Fatalf("booking: %d %q", res.StatusCode, where)
		}
		reminders := func() int {
			t.Helper()
			app.Plugins().Tick(ctx)
			list, err := app.Mailer().Recent(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range list {
				if strings.HasPrefix(m.Subject, "Reminder:") {
					n++
				}
			}
			return n
		}
		set := func(status string, startsIn, bookedAgo time.Duration) {
			t.Helper()
			now := time.Now().UTC()
			_, err := app.Plugins().PluginDB("agenda", app.DemoOrg(t)).NewUpdate().Table(app.Plugins().Table("agenda", "agenda_appointments")).
				Set("status = ?, starts_at = ?, ends_at = ?, created_at = ?, updated_at = ?", status, now.Add(startsIn), now.Add(startsIn+time.Hour), now.Add(-bookedAgo), now).
				Where("id = ?", id).Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
		}
		set("planned", 30*time.Hour, 48*time.Hour)
		if n := reminders(); n != 0 {
			t.Errorf("a session 30 hours off was reminded of: %d", n)
		}
		set("planned", 3*time.Hour, 48*time.Hour)
		if n := reminders(); n != 1 {
			t.Fatalf("reminders of a session in 3 hours booked two days ago: %d, want 1", n)
		}
		mail := waitSubject(t, smtp, "coachee@harbour.example", "Reminder:")
		if text := mail.Part("text/plain"); !strings.Contains(text, "Chris Jansen") || !strings.Contains(text, where) {
			t.Errorf("the reminder: %s", text)
		}
		if n := reminders(); n != 1 {
			t.Errorf("a second tick reminded again: %d", n)
		}
		set("planned", 5*time.Hour, 48*time.Hour) // moved (just now: a change of theme or time does not matter)
		if n := reminders(); n != 2 {
			t.Errorf("after the session moved: %d reminders, want 2", n)
		}
		set("planned", 7*time.Hour, time.Hour) // booked within the last day: its confirmation is fresh
		if n := reminders(); n != 2 {
			t.Errorf("a session booked within the day: %d reminders, want 2", n)
		}
		set("cancelled", 9*time.Hour, 48*time.Hour)
		if n := reminders(); n != 2 {
			t.Errorf("a cancelled session was reminded of: %d", n)
		}

		// The organisation chooses when reminders go, or none.
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		choose := func(c *coretest.Client, choice string) *coretest.Response {
			return c.PostForm("/m/agenda/themes/reminders", url.Values{"remind": {choice}})
		}
		if res := choose(admin, "sometimes"); res.StatusCode != 422 || res.Text("#agenda-remind-error") == "" {
			t.Errorf("a choice that is none: %d %q", res.StatusCode, res.Text("#agenda-remind-error"))
		}
		if res := choose(coach, "off"); res.StatusCode != 403 && res.StatusCode != 404 {
			t.Errorf("the coach chooses: %d", res.StatusCode)
		}
		if res := choose(admin, "off"); res.StatusCode != 303 {
			t.Fatalf("off: %d", res.StatusCode)
		}
		set("planned", 4*time.Hour, 48*time.Hour)
		if n := reminders(); n != 2 {
			t.Errorf("reminders while they are off: %d", n)
		}
		if res := choose(admin, "2"); res.StatusCode != 303 {
			t.Fatalf("two hours: %d", res.StatusCode)
		}
		if _, ok := admin.Get("/m/agenda/themes").Doc.Find(`input[name="remind"][value="2"]`).Attr("checked"); !ok {
			t.Error("the settings page does not show the choice")
		}
		set("planned", 3*time.Hour, 48*time.Hour)
		if n := reminders(); n != 2 {
			t.Errorf("a session in 3 hours, reminders two hours before: %d", n)
		}
		set("planned", 90*time.Minute, 48*time.Hour)
		if n := reminders(); n != 3 {
			t.Errorf("a session in 90 minutes, reminders two hours before: %d reminders, want 3", n)
		}
	})
}
