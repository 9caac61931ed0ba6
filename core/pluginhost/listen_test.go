package pluginhost_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestPageListensWhereAllowed: a plugin's page listens to its own room and
// a dossier the person may open; the host signs those into the page and
// leaves out another plugin's room, someone else's own topic, a dossier
// the person cannot open and what is no topic at all.
func TestPageListensWhereAllowed(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		ctx := context.Background()
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		dossier := app.DossierOf(t, "coachee@harbour.example")
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		listens := func(d int64) string {
			t.Helper()
			res := coach.Get("/m/hostile/live?user=" + strconv.FormatInt(kim.ID, 10) + "&dossier=" + strconv.FormatInt(d, 10))
			if res.StatusCode != 200 {
				t.Fatalf("the page: %d", res.StatusCode)
			}
			return res.Attr("#main", "data-live-topics")
		}
		want := "room:hostile:live,dossier:" + strconv.FormatInt(dossier, 10)
		if got := listens(dossier); got != want {
			t.Errorf("the coach's page listens to %q, want %q", got, want)
		}
		if got := listens(999999); got != "room:hostile:live" {
			t.Errorf("with a dossier the coach cannot open: %q", got)
		}
	})
}

// TestDossierOfAMember: a plugin asks for a member's dossier (contract
// v1.5) and learns what the request's person may do in it; a member
// without one and someone outside the organisation answer "none" (the
// level itself is the one every dossier call checks).
func TestDossierOfAMember(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
		ctx := context.Background()
		id := func(email string) string {
			u, err := app.Identity().ByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			return strconv.FormatInt(u.ID, 10)
		}
		ask := func(c *coretest.Client, user string) map[string]string {
			t.Helper()
			res := c.PostForm("/m/hostile/v13", url.Values{"call": {"dossier_of"}, "user": {user}})
			out := map[string]string{}
			if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
				t.Fatalf("%s: %d %s", user, res.StatusCode, res.Body)
			}
			return out
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		kims := strconv.FormatInt(app.DossierOf(t, "coachee@harbour.example"), 10)
		if got := ask(coach, id("coachee@harbour.example")); got["dossier_of"] != "OK" || got["level"] == "none" || got["id"] != kims {
			t.Errorf("Kim's dossier for her coach: %v, want id %s", got, kims)
		}
		for _, who := range []string{id("admin@harbour.example"), "999999", "-3"} {
			if got := ask(coach, who); got["dossier_of"] != "OK" || got["level"] != "none" || got["id"] != "0" {
				t.Errorf("the dossier of %s: %v", who, got)
			}
		}
	})
}
