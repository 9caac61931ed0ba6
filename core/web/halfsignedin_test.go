package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestPasswordAloneShowsNothingOfTheAccount: someone who has only the
// password sees the pages as a visitor does (the installation's first
// subscriber, its look and words), with the way on to the step they still
// owe and to sign out, and never the account's name, address, organisation
// or its organisation's words; once both steps are done the same pages show
// them.
func TestPasswordAloneShowsNothingOfTheAccount(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		orgs := app.Organisations()
		north, err := orgs.CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err != nil {
			t.Fatal(err)
		}
		if err := orgs.SetTerms(ctx, north.ID, "en", map[string]tenancy.Words{"coachee": {One: "Wayfarer", Other: "Wayfarers"}}, []string{"coachee"}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct{ email, given, family, secret string }{
			{"noor.visser@north.example", "Noor", "Vermeulen", demo.TOTPSecret},
			{"sem.bos@north.example", "Sem", "Brouwerij", ""}, // no authenticator yet
		} {
			if _, _, err := app.Identity().Seed(ctx, north, identity.Invitee{Email: p.email, GivenName: p.given, FamilyName: p.family,
				Role: access.RoleCoach}, demo.Password, p.secret); err != nil {
				t.Fatal(err)
			}
		}
		leaks := []string{"Noor", "Vermeulen", "noor.visser", "Sem", "Brouwerij", "sem.bos", "north.example", "North Care", "Wayfarer"}
		for _, tc := range []struct{ email, next string }{
			{"noor.visser@north.example", "/signin/code"},
			{"sem.bos@north.example", "/setup/factor"},
		} {
			half := app.Client(t)
			half.SignInPassword(tc.email)
			for _, path := range []string{"/", "/about", "/terms", "/no-such-page"} {
				res := half.Get(path)
				if res.StatusCode != 200 && !(path == "/no-such-page" && res.StatusCode == 404) {
					t.Fatalf("%s %s: %d", tc.email, path, res.StatusCode)
				}
				for _, leak := range leaks {
					if strings.Contains(res.Body, leak) {
						t.Errorf("%s %s shows %q", tc.email, path, leak)
					}
				}
				if !strings.Contains(res.Text(".brand-name, .auth-brand"), "Harbour Coaching") {
					t.Errorf("%s %s: the page is not the visitors' (%q)", tc.email, path, res.Text(".brand-name, .auth-brand"))
				}
				if path == "/terms" {
					continue // the sign-in layout, which has no menu
				}
				if res.Doc.Find(`#usermenu a[href="`+tc.next+`"]`).Length() != 1 || res.Doc.Find(`#usermenu form[action="/signout"]`).Length() != 1 {
					t.Errorf("%s %s: no way on to %s and out in the menu", tc.email, path, tc.next)
				}
			}
		}

		// Both steps done: the same page shows the account and its words.
		full := app.Client(t)
		full.SignInPassword("noor.visser@north.example")
		if res := full.PostForm("/signin/code", url.Values{"code": {full.FreshCode("noor.visser@north.example")}}); res.StatusCode != 303 {
			t.Fatalf("code: %d", res.StatusCode)
		}
		res := full.Get("/about")
		for _, want := range []string{"Noor Vermeulen", "noor.visser@north.example", "North Care"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("signed in: the page lacks %q", want)
			}
		}
	})
}
