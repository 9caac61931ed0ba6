package pluginhost_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/coretest"
)

// TestOrganisationsWithTheModuleOffDoNotStarveTheOthers: many
// organisations that do not have a plugin on, each with one core event
// the plugin listens to (a dossier registered), must not keep the events
// of an organisation that has it on from coming.
func TestOrganisationsWithTheModuleOffDoNotStarveTheOthers(t *testing.T) {
	t.Parallel()
	app := heraldApp(t, coretest.Postgres(t))
	ctx := t.Context()
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	waitHeard(t, coach, regexp.MustCompile(`^dossier `), 1) // the demo's own are through
	const off = 600
	for i := range off {
		org := app.Organisation(t, fmt.Sprintf("off-%d", i), fmt.Sprintf("Without herald %d", i))
		// What Dossiers.Register writes in an organisation without the module.
		if err := app.Events().Emit(ctx, org.ID, 0, "core", "dossier.registered", []byte(`{"dossier_id":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	// Their next look is due together, as it is on an installation that
	// has been running for a while.
	time.Sleep(6 * time.Second)
	start := time.Now()
	say(t, coach, "fresh", "", 200)
	for time.Since(start) < 30*time.Second {
		if all, _ := heard(t, coach); len(all) > 0 && all[len(all)-1] == "fresh" {
			t.Logf("delivered after %v", time.Since(start))
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	var claims int
	_ = app.DB().NewRaw("SELECT count(*) FROM event_cursors WHERE subscriber = 'plugin:herald'").Scan(ctx, &claims)
	t.Fatalf("an event of the one organisation with the module on did not come in 30 s (cursors of organisations with it off: %d)", claims)
}
