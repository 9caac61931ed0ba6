package pluginhost_test

import (
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestAnEventGivesNoPluginItsPersonsRights: the delivery of an event
// "has no permissions of its own", yet it runs as the event's person, and
// the dossier rights that come from being someone (the subject, the
// coach, a share) go with it. A plugin the person may not use at all
// must not act in their name because another module's event names them.
func TestAnEventGivesNoPluginItsPersonsRights(t *testing.T) {
	t.Parallel()
	echo, spy := coretest.BuildPlugin(t, "core/pluginhost/testdata/echo"), coretest.BuildPlugin(t, "core/pluginhost/testdata/spy")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, echo, spy) }})
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	if res := kim.Get("/m/spy/seen"); res.StatusCode != 403 && res.StatusCode != 404 {
		t.Fatalf("Kim may not use the spy: %d", res.StatusCode)
	}
	ping(t, kim, "hello") // Kim uses the echo, which emits echo.ping
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	var seen string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if seen = admin.Get("/m/spy/seen").Body; strings.Contains(seen, "as person") {
			break
		}
	}
	if strings.Contains(seen, "level contribute") || strings.Contains(seen, "item added: yes") {
		t.Errorf("the spy, which Kim may not use, acted as Kim in her dossier: %s", seen)
	}
}
