package pluginhost_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/events"
	"github.com/atriumhq/atrium/core/tenancy"
)

// heraldApp is an App with the herald plugin.
func heraldApp(t *testing.T, db config.Database, opts ...func(*config.Config)) *coretest.App {
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/herald")
	return coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		for _, o := range opts {
			o(c)
		}
	}})
}

// heard reads what the herald heard: texts in the log's order, and the
// events it handled more than once; twice is "down" while it restarts.
func heard(t *testing.T, c *coretest.Client) (texts []string, twice string) {
	t.Helper()
	res := c.Get("/m/herald/heard")
	if res.StatusCode == 503 {
		return nil, "down"
	}
	if res.StatusCode != 200 {
		t.Fatalf("heard: %d %s", res.StatusCode, res.Body)
	}
	for _, line := range strings.Split(strings.TrimSpace(res.Body), "\n") {
		if rest, ok := strings.CutPrefix(line, "twice "); ok {
			twice = rest
			continue
		}
		_, text, _ := strings.Cut(line, " ")
		texts = append(texts, text)
	}
	return texts, twice
}

// waitHeard waits until the herald heard n texts that match.
func waitHeard(t *testing.T, c *coretest.Client, match *regexp.Regexp, n int) []string {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		all, _ := heard(t, c)
		got = got[:0]
		for _, text := range all {
			if match.MatchString(text) {
				got = append(got, text)
			}
		}
		if len(got) >= n {
			return got
		}
	}
	t.Fatalf("heard %d of %d: %q", len(got), n, got)
	return nil
}

func say(t *testing.T, c *coretest.Client, text, mode string, status int) {
	t.Helper()
	if res := c.PostForm("/m/herald/say", url.Values{"text": {text}, "mode": {mode}}); res.StatusCode != status {
		t.Fatalf("say %q (%s): %d %s", text, mode, res.StatusCode, res.Body)
	}
}

// TestEventsFollowTheirTransaction: an event emitted in a transaction that
// rolls back is never delivered; one that commits is, as is one emitted
// outside any, in the order they were written.
func TestEventsFollowTheirTransaction(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := heraldApp(t, db)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		say(t, coach, "first", "commit", 200)
		say(t, coach, "never", "rollback", 409)
		say(t, coach, "second", "", 200)
		got := waitHeard(t, coach, regexp.MustCompile(`^(first|second|never)$`), 2)
		time.Sleep(300 * time.Millisecond) // a rolled-back event would have come by now
		if all, _ := heard(t, coach); strings.Contains(strings.Join(all, ","), "never") {
			t.Errorf("an event of a rolled-back transaction was delivered: %q", all)
		}
		if strings.Join(got, ",") != "first,second" {
			t.Errorf("heard %q", got)
		}
		// The core's own events come through the same log.
		waitHeard(t, coach, regexp.MustCompile(`^dossier \{"dossier_id":[0-9]+`), 1)
	})
}

// TestEventsSurviveAKilledPlugin: the plugin is killed while it handles a
// run of events; once it is back it gets every one, in order, and none it
// had committed comes twice but the one it was killed in.
func TestEventsSurviveAKilledPlugin(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := heraldApp(t, db)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		const n = 20
		for i := range n {
			say(t, coach, "slow "+strconv.Itoa(i), "", 200)
		}
		slow := regexp.MustCompile(`^slow [0-9]+$`)
		waitHeard(t, coach, slow, 3)
		pid := status(app)["herald"].PID
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		got := waitHeard(t, coach, slow, n)
		for i, text := range got {
			if text != "slow "+strconv.Itoa(i) {
				t.Fatalf("out of order or missing: %q", got)
			}
		}
		if status(app)["herald"].PID == pid {
			t.Error("the plugin was not restarted")
		}
		if _, twice := heard(t, coach); len(strings.Fields(strings.Trim(twice, "[]"))) > 1 {
			t.Errorf("events handled twice beyond the one the plugin was killed in: %s", twice)
		}
	})
}

// TestEventsOnceAcrossInstances: two instances on one PostgreSQL database,
// each with the plugin, deliver each event once.
func TestEventsOnceAcrossInstances(t *testing.T) {
	t.Parallel()
	db := coretest.Postgres(t)
	key := strings.Repeat("ef", 32)
	shared := func(c *config.Config) { c.Security.SecretKey = key }
	one := heraldApp(t, db, shared)
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/herald")
	two := coretest.NewApp(t, db, coretest.Options{NoDemo: true, Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		shared(c)
	}})
	a, b := one.Client(t), two.Client(t)
	a.SignIn("coach@harbour.example")
	b.SignIn("admin@harbour.example")
	const n = 30
	for i := range n {
		c := a
		if i%2 == 1 {
			c = b
		}
		say(t, c, "both "+strconv.Itoa(i), "", 200)
	}
	waitHeard(t, a, regexp.MustCompile(`^both [0-9]+$`), n)
	if _, twice := heard(t, b); twice != "[]" {
		t.Errorf("events delivered twice: %s", twice)
	}
}

// TestEventsBackfillALateSubscriber: the herald asks for the history: first
// started on an installation that already has dossiers, it hears their
// registration from before it came.
func TestEventsBackfillALateSubscriber(t *testing.T) {
	t.Parallel()
	db := coretest.Postgres(t)
	key := strings.Repeat("12", 32)
	first := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Security.SecretKey = key }})
	var dossiers int
	if err := first.DB().NewRaw("SELECT count(*) FROM dossiers").Scan(t.Context(), &dossiers); err != nil || dossiers == 0 {
		t.Fatalf("the demo's dossiers: %d %v", dossiers, err)
	}
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/herald")
	late := coretest.NewApp(t, db, coretest.Options{NoDemo: true, Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, bin)
		c.Security.SecretKey = key
	}})
	ctx := t.Context()
	sub, err := late.Organisations().Subscription(ctx, late.DemoOrg(t))
	if err != nil {
		t.Fatal(err)
	}
	plan := tenancy.Plan{Modules: append(sub.ModuleList(), "herald"), MaxPeople: sub.MaxPeople}
	if err := late.Organisations().SetSubscription(ctx, late.DemoOrg(t), plan, late.Modules().IDs()); err != nil {
		t.Fatal(err)
	}
	admin := late.Client(t)
	admin.SignIn("admin@harbour.example")
	waitHeard(t, admin, regexp.MustCompile(`^dossier `), dossiers)
}

// TestAPoisonEventIsGivenUp: an event the plugin fails again and again
// holds back the ones after it until its tries are spent; then it is given
// up, the next ones come, and the operator's page says so.
func TestAPoisonEventIsGivenUp(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := heraldApp(t, db)
		ctx := t.Context()
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		say(t, coach, "poison", "", 200)
		say(t, coach, "after", "", 200)
		var attempts int
		for deadline := time.Now().Add(30 * time.Second); attempts == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			_ = app.DB().NewRaw("SELECT COALESCE(MAX(attempts), 0) FROM event_cursors WHERE subscriber = 'plugin:herald'").Scan(ctx, &attempts)
		}
		if all, _ := heard(t, coach); strings.Contains(strings.Join(all, ","), "after") {
			t.Fatalf("an event came before the one it follows: %q", all)
		}
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		if got := admin.Get("/operator/plugins").Text(".events-trouble"); !strings.Contains(got, "wait for a retry in 1 organisation") {
			t.Errorf("the operator's page: %q", got)
		}
		// Its last try, now.
		if _, err := app.DB().NewRaw("UPDATE event_cursors SET attempts = ?, next_at = ? WHERE subscriber = 'plugin:herald'",
			events.MaxAttempts-1, time.Now().Add(-time.Second).UTC()).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		app.Plugins().DeliverEvents(ctx)
		waitHeard(t, coach, regexp.MustCompile(`^after$`), 1)
		if all, _ := heard(t, coach); strings.Contains(strings.Join(all, ","), "poison") {
			t.Errorf("the poison was heard: %q", all)
		}
		if got := admin.Get("/operator/plugins").Text(".events-trouble"); !strings.Contains(got, "1 event(s) were given up") {
			t.Errorf("the operator's page after: %q", got)
		}
	})
}
