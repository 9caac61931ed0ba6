package pluginhost_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// echoApp is an App with the herald and the hostile echo plugin.
func echoApp(t *testing.T, db config.Database) *coretest.App {
	herald, echo := coretest.BuildPlugin(t, "core/pluginhost/testdata/herald"), coretest.BuildPlugin(t, "core/pluginhost/testdata/echo")
	return coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, herald, echo) }})
}

func ping(t *testing.T, c *coretest.Client, text string) {
	t.Helper()
	if res := c.PostForm("/m/echo/ping", url.Values{"text": {text}}); res.StatusCode != 200 {
		t.Fatalf("ping %q: %d %s", text, res.StatusCode, res.Body)
	}
}

// TestOnePluginsEventsDoNotHoldUpTheOthers: a plugin whose handler
// emits an event of its own each time (a busy module, or a bug) must not
// keep every other plugin from getting its events.
func TestOnePluginsEventsDoNotHoldUpTheOthers(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := echoApp(t, db)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		ping(t, coach, "loop")
		time.Sleep(time.Second)
		say(t, coach, "after", "", 200)
		start := time.Now()
		for time.Since(start) < 20*time.Second {
			if all, _ := heard(t, coach); strings.Contains(strings.Join(all, ","), "after") {
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		var n int
		_ = app.DB().NewRaw("SELECT count(*) FROM events WHERE name = 'echo.ping'").Scan(t.Context(), &n)
		t.Fatalf("the herald got nothing in 20 s while the echo handled its own events (%d in the log by now)", n)
	})
}

// TestAnAwkwardErrorStillCountsAsAFailure: a handler's error text is
// the plugin's: one with a NUL byte must still count as a failure, so that
// the event is given up after its tries and the ones after it come.
func TestAnAwkwardErrorStillCountsAsAFailure(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := echoApp(t, db)
		ctx := t.Context()
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		ping(t, coach, "nul")
		ping(t, coach, "after")
		time.Sleep(3 * time.Second) // the deliverer tried it by now
		var attempts int
		_ = app.DB().NewRaw("SELECT COALESCE(MAX(attempts), -1) FROM event_cursors WHERE subscriber = 'plugin:echo'").Scan(ctx, &attempts)
		if attempts < 1 {
			t.Errorf("the failure was not counted (attempts %d): the event is never given up", attempts)
		}
		if strings.Contains(app.Logs.String(), "cannot release a claim") {
			t.Errorf("the claim could not be given back; it only lapses, and the event is tried every %v for ever", 30*time.Second)
		}
		// Even at its last try it is not given up.
		if _, err := app.DB().NewRaw("UPDATE event_cursors SET attempts = ?, next_at = ?, claimed_until = NULL WHERE subscriber = 'plugin:echo'",
			11, time.Now().Add(-time.Second).UTC()).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		app.Plugins().DeliverEvents(ctx)
		var given int
		_ = app.DB().NewRaw("SELECT COALESCE(MAX(given_up), 0) FROM event_cursors WHERE subscriber = 'plugin:echo'").Scan(ctx, &given)
		if given != 1 {
			t.Errorf("the event was not given up at its last try (given_up %d)", given)
		}
	})
}
