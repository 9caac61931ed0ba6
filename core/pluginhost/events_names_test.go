package pluginhost_test

import (
	"net/url"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestNoPluginEmitsTheCoresEvents: a plugin emits only in its own name,
// and no plugin may be called after the first word of a core event: one
// named "person" (which would write person.erased) does not start.
func TestNoPluginEmitsTheCoresEvents(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/person")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	if st := status(app)["person"]; st.State == "running" {
		t.Fatalf("a plugin named person runs: %+v", st)
	}
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	kim.PostForm("/m/person/forge", url.Values{"what": {"erased"}, "payload": {`{"person_id":3}`}})
	var n int
	if err := app.DB().NewRaw("SELECT count(*) FROM events WHERE name = 'person.erased'").Scan(t.Context(), &n); err != nil || n != 0 {
		t.Errorf("person.erased written by a plugin: %d %v", n, err)
	}
}
