package pluginhost_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestContractV13BadInput sends the v1.3 host calls what a careless or
// hostile plugin might: each is refused with its own status and changes
// nothing, and a proper mail goes out.
func TestContractV13BadInput(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		ctx := context.Background()
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		me, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		call := func(form url.Values) map[string]string {
			t.Helper()
			res := coach.PostForm("/m/hostile/v13", form)
			out := map[string]string{}
			if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
				t.Fatalf("%v: %d %s", form, res.StatusCode, res.Body)
			}
			return out
		}
		self := strconv.FormatInt(me.ID, 10)
		good := "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
		before, _ := app.Mailer().Recent(ctx, 100)
		for name, form := range map[string]url.Values{
			"no subject":              {"subject": {""}},
			"a subject of two lines":  {"subject": {"Hello\r\nBcc: someone@evil.example"}},
			"a subject too long":      {"subject": {strings.Repeat("x", 201)}},
			"a text too long":         {"subject": {"Hi"}, "text": {"x"}, "repeat": {"20001"}},
			"a calendar of no method": {"subject": {"Hi"}, "calendar": {good}, "method": {"PUBLISH"}},
			"a calendar not iCal":     {"subject": {"Hi"}, "calendar": {"<html>"}, "method": {"REQUEST"}},
			"a method not in it":      {"subject": {"Hi"}, "calendar": {good}, "method": {"CANCEL"}},
			"someone unknown":         {"subject": {"Hi"}, "user": {"999999"}},
		} {
			form.Set("call", "mail")
			if !form.Has("user") {
				form.Set("user", self)
			}
			if got := call(form)["mail"]; got != "InvalidArgument" && got != "NotFound" {
				t.Errorf("mail with %s: %s", name, got)
			}
		}
		if after, _ := app.Mailer().Recent(ctx, 100); len(after) != len(before) {
			t.Errorf("refused mails were queued: %d, then %d", len(before), len(after))
		}
		if got := call(url.Values{"call": {"mail"}, "user": {self}, "subject": {"Hello"}, "text": {"One\n\nTwo"}, "calendar": {good}, "method": {"REQUEST"}})["mail"]; got != "OK" {
			t.Errorf("a proper mail: %s", got)
		}
		mails, _ := app.Mailer().Recent(ctx, 1)
		if len(mails) != 1 || mails[0].Subject != "Hello" || !strings.Contains(string(mails[0].Message), "text/calendar") {
			t.Errorf("the proper mail: %+v", mails)
		}
		// Sessions: a dossier the coach may not open, or counts out of range.
		for name, form := range map[string]url.Values{
			"a dossier of no one":   {"dossier": {"999999"}, "trajectory": {"1"}},
			"a negative count":      {"dossier": {"1"}, "trajectory": {"1"}, "booked": {"-1"}},
			"a trajectory not open": {"dossier": {"1"}, "trajectory": {"999999"}},
		} {
			form.Set("call", "sessions")
			if got := call(form)["sessions"]; got == "OK" || got == "Unknown" || got == "Internal" {
				t.Errorf("sessions with %s: %s", name, got)
			}
		}
		if got := call(url.Values{"call": {"own"}}); got["own"] != "OK" || got["level"] != "none" {
			t.Errorf("the coach's own dossier: %v", got)
		}
		if got := call(url.Values{"call": {"feed"}})["feed"]; got != "FailedPrecondition" {
			t.Errorf("a feed address of a plugin without a feed: %s", got)
		}
		// Publish: a member's own topic, a dossier the person may open, or
		// one of the plugin's rooms; nothing else, nothing too big.
		for topic, want := range map[string]string{
			"user:" + self:         "OK",
			"user:999999":          "NotFound",
			"dossier:999999":       "NotFound",
			"room:hostile:lobby":   "OK",
			"room:chat:lobby":      "InvalidArgument",
			"everyone":             "InvalidArgument",
			"user:" + self + "\nx": "NotFound",
		} {
			if got := call(url.Values{"call": {"publish"}, "topic": {topic}, "event": {"ping"}})["publish"]; got != want {
				t.Errorf("publish to %q: %s, want %s", topic, got, want)
			}
		}
		for name, form := range map[string]url.Values{
			"an event name of two lines": {"event": {"a\nb"}},
			"the core's own event name":  {"event": {"atrium.session"}},
			"more than 64 KiB":           {"event": {"big"}, "html": {"x"}, "repeat": {strconv.Itoa(64<<10 + 1)}},
		} {
			form.Set("call", "publish")
			form.Set("topic", "user:"+self)
			if got := call(form)["publish"]; got != "InvalidArgument" {
				t.Errorf("publish with %s: %s", name, got)
			}
		}
		// Audit actions are words, details one bounded line: the log is read by people.
		for name, form := range map[string]url.Values{
			"an action with spaces":  {"action": {"did it!"}},
			"an empty action":        {"action": {""}},
			"a detail with newlines": {"action": {"noted"}, "detail": {"line one\nforged line"}},
			"a detail of 600 bytes":  {"action": {"noted"}, "detail": {"x"}, "repeat": {"600"}},
		} {
			form.Set("call", "audit")
			if got := call(form)["audit"]; got != "InvalidArgument" {
				t.Errorf("audit with %s: %s", name, got)
			}
		}
		if got := call(url.Values{"call": {"audit"}, "action": {"item.noted"}, "detail": {"one line"}})["audit"]; got != "OK" {
			t.Errorf("a proper audit: %s", got)
		}
		// A plugin's transaction holds its own tables only (its file's lock
		// on SQLite): a host call that writes the core's goes on meanwhile.
		if got := call(url.Values{"call": {"audit in a transaction"}})["audit"]; got != "OK" {
			t.Errorf("an audit inside the plugin's transaction: %s", got)
		}
	})
}
