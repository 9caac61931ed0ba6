package pluginhost_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/pluginhost"
)

// TestHungPluginBesideAKilledOne stops one plugin's process with SIGSTOP (it
// hangs with its connection open, answering nothing) and kills another's with
// SIGKILL at the same moment. The killed one is back first, not queued behind
// the hung one's health check; the hung one is killed when its health check
// goes unanswered and is started again; core pages, the operator's plugin page
// and the other plugin's slots render all the while.
func TestHungPluginBesideAKilledOne(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		// The health check's deadline is the call timeout, 10 s by default:
		// time enough for the killed plugin to be back, even on a busy
		// machine, while the hung one is still waited for.
		app := coretest.NewApp(t, db, coretest.Options{Config: withExample(t, true, "core/pluginhost/testdata/hostile")})
		coach, admin := app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		admin.SignIn("admin@harbour.example")
		if got := coach.Get("/settings").Text("#hostile-settings"); got != "Settings of a plugin" {
			t.Fatalf("the hostile plugin's settings section before: %q", got)
		}
		before := status(app)
		killed, hung := before["example"].PID, before["hostile"].PID
		if killed == 0 || hung == 0 {
			t.Fatalf("plugins: %+v", before)
		}
		if err := syscall.Kill(hung, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		// Should the host never kill it, let it go on so the App can stop.
		t.Cleanup(func() { _ = syscall.Kill(hung, syscall.SIGCONT) })
		if err := syscall.Kill(killed, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		signalled := time.Now()

		// back tells whether a plugin runs in a process other than the one
		// it ran in before.
		back := func(now map[string]pluginhost.Status, name string) bool {
			return now[name].State == pluginhost.StateRunning && now[name].PID != before[name].PID
		}
		var exampleFirst, bothBack bool
		var exampleBack time.Duration
		var coreFailures []string
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			for _, path := range []string{"/", "/settings"} {
				if res := coach.Get(path); res.StatusCode != 200 {
					coreFailures = append(coreFailures, fmt.Sprintf("%s: %d", path, res.StatusCode))
				}
			}
			if res := admin.Get("/operator/plugins"); res.StatusCode != 200 {
				coreFailures = append(coreFailures, fmt.Sprintf("/operator/plugins: %d", res.StatusCode))
			}
			now := status(app)
			if back(now, "example") && exampleBack == 0 {
				exampleBack = time.Since(signalled)
			}
			if back(now, "example") && now["hostile"].State == pluginhost.StateRunning && now["hostile"].PID == hung {
				exampleFirst = true
			}
			if back(now, "example") && back(now, "hostile") {
				bothBack = true
				break
			}
		}
		if !bothBack {
			t.Fatalf("not both back within 60 s: %+v", status(app))
		}
		t.Logf("the killed plugin was back after %s, the hung one after %s", exampleBack.Round(time.Millisecond), time.Since(signalled).Round(time.Millisecond))
		if !exampleFirst {
			t.Error("the killed plugin was not back before the hung one was dealt with: its restart waited behind the hung one")
		}
		if len(coreFailures) > 0 {
			t.Errorf("core pages failed meanwhile: %v", coreFailures)
		}
		if !strings.Contains(app.Logs.String(), "plugin did not answer its health check within 10s: killed, restarting") {
			t.Errorf("the hang is not logged as such:\n%s", app.Logs.String())
		}
		// Both serve again: the start page has the example's tile, the
		// settings page the hostile plugin's section.
		if tile := coach.Get("/").Text(".plugin-slot"); !strings.Contains(tile, "coachees") {
			t.Errorf("the example's tile after its restart: %q", tile)
		}
		if got := coach.Get("/settings").Text("#hostile-settings"); got != "Settings of a plugin" {
			t.Errorf("the hostile plugin's settings section after its restart: %q", got)
		}
		if res := coach.Get("/m/example/"); res.StatusCode != 200 {
			t.Errorf("the example's page after its restart: %d", res.StatusCode)
		}
		after := status(app)
		if after["example"].Restarts != 1 || after["hostile"].Restarts != 1 {
			t.Errorf("restarts counted: %+v", after)
		}
	})
}

// TestPluginThatKeepsHangingFails: a hang counts as a crash toward
// plugins.max_restarts, so a plugin that hangs each time it is started is
// marked failed, with what happened, instead of being restarted for ever.
func TestPluginThatKeepsHangingFails(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile"))
		c.Plugins.CallTimeout = 5 * time.Second // the health check's deadline, shorter than the default 10 s
		c.Plugins.MaxRestarts = 2
	}})
	// Stop each process the plugin runs in, until the host gives up.
	var stopped []int
	defer func() {
		for _, pid := range stopped {
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	}()
	var s pluginhost.Status
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s = status(app)["hostile"]
		if s.State == pluginhost.StateFailed {
			break
		}
		if s.State == pluginhost.StateRunning && (len(stopped) == 0 || stopped[len(stopped)-1] != s.PID) {
			if err := syscall.Kill(s.PID, syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			stopped = append(stopped, s.PID)
		}
	}
	if s.State != pluginhost.StateFailed || !strings.Contains(s.Problem, "hung") {
		t.Fatalf("after %d hangs: %+v", len(stopped), s)
	}
	if len(stopped) != 3 {
		t.Errorf("failed after %d hangs; two restarts allowed, so the third hang should end it", len(stopped))
	}
	if n := strings.Count(app.Logs.String(), "plugin did not answer its health check within 5s: killed"); n != 3 {
		t.Errorf("%d hangs logged, want 3", n)
	}
	c := app.Client(t)
	c.SignIn("coach@harbour.example")
	if res := c.Get("/m/hostile/writeread"); res.StatusCode != 503 {
		t.Errorf("a failed plugin's page: %d", res.StatusCode)
	}
	if res := c.Get("/settings"); res.StatusCode != 200 {
		t.Errorf("a core page beside a failed plugin: %d", res.StatusCode)
	}
}

// status is each plugin's state, by name.
func status(app *coretest.App) map[string]pluginhost.Status {
	out := map[string]pluginhost.Status{}
	for _, s := range app.Plugins().Plugins() {
		out[s.Name] = s
	}
	return out
}
