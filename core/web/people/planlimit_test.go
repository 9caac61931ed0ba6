package people_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
	n, err := orgs.ActivePeople(ctx, []int64{org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := orgs.SetSubscription(ctx, org.ID, tenancy.Plan{Modules: sub.ModuleList(), MaxPeople: n + extra}, sub.ModuleList()); err != nil {
		t.Fatal(err)
	}
	return org
}

// activePeople counts the demo organisation's active people.
func activePeople(t *testing.T, app *coretest.App, org *tenancy.Organisation) int {
	t.Helper()
	n, err := app.Organisations().ActivePeople(context.Background(), []int64{org.ID})
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

// TestReactivationKeepsThePlanLimit: at the limit, deactivating a member
// frees a place, someone invited takes it by accepting, and reactivating
// the first is then refused on the person's page (422, the plan-limit message), the
// member staying inactive. Turning web access on is letting someone in too:
// it passes for a person already counted while the subscription is at its
// limit, and is refused once the operator set it below the people there.
func TestReactivationKeepsThePlanLimit(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		org := atTheLimit(t, app, 0)
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		admin.Get("/people")
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		kimPath := "/people/" + strconv.FormatInt(kim.ID, 10)
		coachPath := "/people/" + strconv.FormatInt(coach.ID, 10)

		if res := admin.PostForm(kimPath+"/active", url.Values{"on": {"false"}}); res.StatusCode != 303 {
			t.Fatalf("deactivate: %d", res.StatusCode)
		}
		if res := admin.PostForm("/people/invite", url.Values{"email": {"new.person@example.org"}, "given_name": {"Noor"},
			"family_name": {"Peters"}, "role": {"coachee"}}); res.StatusCode != 303 {
			t.Fatalf("invite into the freed place: %d %s", res.StatusCode, res.Text(`[role="alert"]`))
		}
		noor := app.Client(t)
		link := app.MailedLink(t, "new.person@example.org", "/invitation/")
		noor.Get(link)
		if res := noor.PostForm(link, url.Values{"password": {"Tulip-Harbour-93"}, "confirm": {"Tulip-Harbour-93"}, "terms": {"yes"}}); res.StatusCode != 303 {
			t.Fatalf("accept: %d", res.StatusCode)
		}
		res := admin.PostForm(kimPath+"/active", url.Values{"on": {"true"}})
		if res.StatusCode != 422 {
			t.Fatalf("reactivate beyond the limit: %d", res.StatusCode)
		}
		if got := res.Text(`[role="alert"]`); !strings.Contains(got, "The subscription allows no more people") {
			t.Errorf("the person's page says %q", got)
		}
		if m, _ := app.Organisations().Member(ctx, org.ID, kim.ID); m == nil || m.Active {
			t.Errorf("the refused reactivation left %+v", m)
		}
		if n := activePeople(t, app, org); n != 4 {
			t.Errorf("active people: %d, the limit is 4", n)
		}

		// Web access of someone already counted: at the limit it goes on.
		for _, on := range []string{"false", "true"} {
			if res := admin.PostForm(coachPath+"/web-access", url.Values{"on": {on}}); res.StatusCode != 303 {
				t.Fatalf("web access %s at the limit: %d %s", on, res.StatusCode, res.Text(`[role="alert"]`))
			}
		}
		// Beyond the limit (the operator lowered it) it stays off.
		sub, _ := app.Organisations().Subscription(ctx, org.ID)
		if err := app.Organisations().SetSubscription(ctx, org.ID, tenancy.Plan{Modules: sub.ModuleList(), MaxPeople: 3}, sub.ModuleList()); err != nil {
			t.Fatal(err)
		}
		if res := admin.PostForm(coachPath+"/web-access", url.Values{"on": {"false"}}); res.StatusCode != 303 {
			t.Fatalf("web access off: %d", res.StatusCode)
		}
		if res := admin.PostForm(coachPath+"/web-access", url.Values{"on": {"true"}}); res.StatusCode != 422 {
			t.Fatalf("web access on beyond the limit: %d", res.StatusCode)
		}
		if m, _ := app.Organisations().Member(ctx, org.ID, coach.ID); m == nil || m.WebAccess {
			t.Errorf("the refused web access left %+v", m)
		}
	})
}

// TestConcurrentAdditionsKeepThePlanLimit: with one place left, accepted
// invitations and a reactivation sent at once take it once: every answer
// is a page, never a 500, and the organisation ends at its limit (an
// acceptance that found no room leaves the invitation waiting).
func TestConcurrentAdditionsKeepThePlanLimit(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		org := atTheLimit(t, app, 0)
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		admin.Get("/people")
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		kimPath := "/people/" + strconv.FormatInt(kim.ID, 10)
		if res := admin.PostForm(kimPath+"/active", url.Values{"on": {"false"}}); res.StatusCode != 303 {
			t.Fatalf("deactivate: %d", res.StatusCode)
		}
		// One place is free now. Every request below needs it.
		cookies, csrf := admin.CookieHeader(), admin.CSRF()
		forms := []struct {
			path string
			form url.Values
		}{{kimPath + "/active", url.Values{"on": {"true"}}}}
		// Five at once: fewer than the test's connections, so that a caller
		// reaching for a second connection inside its transaction finds one;
		// with more, the waiters would fill the pool and the refusal would be
		// ErrBusy after RoomWait.
		for i := range 4 {
			email := "at.once." + strconv.Itoa(i) + "@example.org"
			if res := admin.PostForm("/people/invite", url.Values{"email": {email}, "given_name": {"At"}, "family_name": {"Once"}, "role": {"coachee"}}); res.StatusCode != 303 {
				t.Fatalf("invite %s: %d", email, res.StatusCode)
			}
			forms = append(forms, struct {
				path string
				form url.Values
			}{app.MailedLink(t, email, "/invitation/"), url.Values{"password": {"Tulip-Harbour-93"}, "confirm": {"Tulip-Harbour-93"}, "terms": {"yes"}}})
		}
		statuses := make([]int, len(forms))
		errs := make([]error, len(forms))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, f := range forms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.form.Set("_csrf", csrf)
				req, err := http.NewRequest(http.MethodPost, app.URL+f.path, strings.NewReader(f.form.Encode()))
				if err != nil {
					errs[i] = err
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Cookie", cookies)
				<-start
				res, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					errs[i] = err
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				statuses[i] = res.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		for i, st := range statuses {
			switch {
			case errs[i] != nil:
				t.Errorf("%s: %v", forms[i].path, errs[i])
			case st != 303 && st != 422:
				t.Errorf("%s: %d", forms[i].path, st)
			}
		}
		if n := activePeople(t, app, org); n != 4 {
			t.Errorf("active people: %d, the limit is 4: %v", n, statuses)
		}
		if waiting, _ := app.Organisations().InvitationsIn(ctx, []int64{org.ID}); len(waiting) < 3 {
			t.Errorf("the acceptances without room left %d invitations waiting, want at least 3", len(waiting))
		}

		// On PostgreSQL an addition waits for the one before it at most
		// RoomWait, then says so on the form, writing nothing. (SQLite
		// serialises whole transactions at BEGIN; nothing of Atrium's waits.)
		if kind, _ := db.Kind(); kind != "postgres" {
			return
		}
		sub, _ := app.Organisations().Subscription(ctx, org.ID)
		if err := app.Organisations().SetSubscription(ctx, org.ID, tenancy.Plan{Modules: sub.ModuleList(), MaxPeople: 10}, sub.ModuleList()); err != nil {
			t.Fatal(err)
		}
		tx, err := app.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "SELECT max_people FROM subscriptions WHERE organisation_id = ? FOR UPDATE", org.ID); err != nil {
			t.Fatal(err)
		}
		res := admin.PostForm("/people/invite", url.Values{"email": {"waiting@example.org"}, "given_name": {"Wait"},
			"family_name": {"Ing"}, "role": {"coachee"}})
		_ = tx.Rollback()
		if res.StatusCode != 422 || !strings.Contains(res.Text(`[role="alert"]`), "Try again in a moment") {
			t.Fatalf("an addition that waited too long: %d %q", res.StatusCode, res.Text(`[role="alert"]`))
		}
		if _, err := app.Identity().ByEmail(ctx, "waiting@example.org"); err == nil {
			t.Error("the refused addition made an account")
		}
		if res := admin.PostForm("/people/invite", url.Values{"email": {"waiting@example.org"}, "given_name": {"Wait"},
			"family_name": {"Ing"}, "role": {"coachee"}}); res.StatusCode != 303 {
			t.Errorf("once the subscription is free: %d", res.StatusCode)
		}
	})
}
