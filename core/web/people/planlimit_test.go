package people_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/tenancy"
)

// atTheLimit sets the demo subscription's people limit to the people it has
// now plus extra, and returns the organisation.
func atTheLimit(t *testing.T, app *coretest.App, extra int) *tenancy.Organisation {
	t.Helper()
	ctx := context.Background()
	orgs := app.Organisations()
	org, err := orgs.BySlug(ctx, demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := orgs.Subscription(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	n, err := orgs.ActivePeople(ctx, app.DB(), []int64{org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := orgs.SetSubscription(ctx, org.ID, sub.ModuleList(), n+extra, sub.ModuleList()); err != nil {
		t.Fatal(err)
	}
	return org
}

// activePeople counts the demo organisation's active people.
func activePeople(t *testing.T, app *coretest.App, org *tenancy.Organisation) int {
	t.Helper()
	n, err := app.Organisations().ActivePeople(context.Background(), app.DB(), []int64{org.ID})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInvitingAtThePlanLimit: with the subscription full, inviting someone
// new is refused on the form with the plan-limit message in the person's
// language (422, not a 500), and nothing is written: no account, no
// membership, no mail.
func TestInvitingAtThePlanLimit(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		org := atTheLimit(t, app, 0)
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		mails, _ := app.Mailer().Recent(ctx, 100)
		for _, tc := range []struct{ lang, want string }{
			{"en", "The subscription allows no more people"},
			{"nl", "Het abonnement staat geen extra personen toe"},
		} {
			if res := admin.PostForm("/language", url.Values{"locale": {tc.lang}, "next": {"/people/invite"}}); res.StatusCode != 303 {
				t.Fatalf("language %s: %d", tc.lang, res.StatusCode)
			}
			admin.Get("/people/invite")
			res := admin.PostForm("/people/invite", url.Values{"email": {"new.person@example.org"}, "given_name": {"Noor"},
				"family_name": {"Peters"}, "role": {"coachee"}})
			if res.StatusCode != 422 {
				t.Fatalf("%s: invite at the limit: %d", tc.lang, res.StatusCode)
			}
			if got := res.Text(`[role="alert"]`); !strings.Contains(got, tc.want) {
				t.Errorf("%s: the form says %q, want %q", tc.lang, got, tc.want)
			}
			if res.Attr("#f-email", "value") != "new.person@example.org" {
				t.Errorf("%s: the form did not keep what was typed", tc.lang)
			}
		}
		if _, err := app.Identity().ByEmail(ctx, "new.person@example.org"); err == nil {
			t.Error("a refused invitation made an account")
		}
		if n := activePeople(t, app, org); n != 4 {
			t.Errorf("active people after the refusals: %d", n)
		}
		if after, _ := app.Mailer().Recent(ctx, 100); len(after) != len(mails) {
			t.Errorf("a refused invitation queued %d mails", len(after)-len(mails))
		}
	})
}
