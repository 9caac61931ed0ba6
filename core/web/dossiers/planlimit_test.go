package dossiers_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestStartingATrajectoryAtThePlanLimit: starting a dossier's first
// trajectory invites its person; with the subscription full that is refused
// on the start form with the plan-limit message (422, not a 500), and
// nothing is written: no trajectory, no account, no mail, the dossier still
// registered. With room again the same start goes through.
func TestStartingATrajectoryAtThePlanLimit(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		orgs := app.Organisations()
		org := mustOrg(t, app, demo.Slug)
		sub, _ := orgs.Subscription(ctx, org.ID)
		people, _ := orgs.ActivePeople(ctx, []int64{org.ID})
		if err := orgs.SetSubscription(ctx, org.ID, tenancy.Plan{Modules: sub.ModuleList(), MaxPeople: people}, sub.ModuleList()); err != nil {
			t.Fatal(err)
		}
		id := findDossier(t, app, "Smit") // Daniëlle waits for her start and has no account yet
		hr := app.Client(t)
		hr.SignIn("hr@harbour.example")
		start := "/dossiers/" + strconv.FormatInt(id, 10) + "/trajectories/new"
		form := hr.Get(start)
		product := form.Doc.Find(`#f-product option:contains("Individual coaching (4 sessions)")`).AttrOr("value", "")
		if product == "" {
			t.Fatalf("no products offered: %d", form.StatusCode)
		}
		mails, _ := app.Mailer().Recent(ctx, 100)
		res := hr.PostForm(start, url.Values{"product": {product}, "start_date": {"2026-12-01"}})
		if res.StatusCode != 422 {
			t.Fatalf("start at the limit: %d", res.StatusCode)
		}
		if got := res.Text(`[role="alert"]`); !strings.Contains(got, "The subscription allows no more people") {
			t.Errorf("the form says %q", got)
		}
		if res.Attr(`#f-product option[selected]`, "value") != product {
			t.Error("the form did not keep the chosen product")
		}
		if n, _ := app.DB().NewSelect().Table("trajectories").Where("dossier_id = ?", id).Count(ctx); n != 0 {
			t.Errorf("a refused start kept %d trajectories", n)
		}
		if _, err := app.Identity().ByEmail(ctx, "danielle.smit@harbour.example"); err == nil {
			t.Error("a refused start made an account")
		}
		if after, _ := app.Mailer().Recent(ctx, 100); len(after) != len(mails) {
			t.Errorf("a refused start queued %d mails", len(after)-len(mails))
		}
		if page := hr.Get("/dossiers/" + strconv.FormatInt(id, 10)); page.Text("#dossier-status") != "Registered" {
			t.Errorf("dossier status after the refusal: %q", page.Text("#dossier-status"))
		}

		if err := orgs.SetSubscription(ctx, org.ID, tenancy.Plan{Modules: sub.ModuleList(), MaxPeople: people + 1}, sub.ModuleList()); err != nil {
			t.Fatal(err)
		}
		if res := hr.PostForm(start, url.Values{"product": {product}, "start_date": {"2026-12-01"}}); res.StatusCode != 303 {
			t.Fatalf("start with room: %d", res.StatusCode)
		}
	})
}
