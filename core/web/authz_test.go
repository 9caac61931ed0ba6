package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

// TestEveryRouteByRole walks every route registered through the guard and
// checks it for a visitor, a coachee (few permissions) and an administrator of
// another organisation, who must not reach the first organisation's people.
func TestEveryRouteByRole(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		// Thousands of requests from one address: lift the rate limit.
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 1_000_000 }})
		ctx := context.Background()
		coach, err := app.Identity().ByEmail(ctx, "coach@harbour.example")
		if err != nil {
			t.Fatal(err)
		}
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)
		other, _, _ := app.Organisations().Ensure(ctx, tenancy.Organisation{Slug: "north", Name: "North Care", Locale: "nl", TimeZone: "Europe/Amsterdam"})
		if _, _, err := app.Identity().Seed(ctx, other, identity.Invitee{Email: "admin@north.example", GivenName: "Noor", FamilyName: "Dam", Role: access.RoleAdmin}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		fill := func(path string) string {
			path = strings.ReplaceAll(path, ":id", strconv.FormatInt(coach.ID, 10))
			return strings.ReplaceAll(path, ":token", "no-such-token")
		}
		visitor := app.Client(t)
		visitor.Get("/")
		coachee := app.Client(t)
		coachee.SignIn("coachee@harbour.example")
		stranger := app.Client(t)
		stranger.SignIn("admin@north.example")

		coacheeHolds := access.Set{}.Add(app.Access().BuiltInPermissions(access.RoleCoachee)...)
		routes := app.Web().Routes()
		if len(routes) < 30 {
			t.Fatalf("only %d routes registered", len(routes))
		}
		for _, r := range routes {
			path := fill(r.Path)
			send := func(c *coretest.Client) *coretest.Response {
				if r.Method == http.MethodGet {
					return get(c, r, path)
				}
				return c.PostForm(path, url.Values{})
			}
			// Protocol endpoints answer a visitor with a Basic challenge.
			if r.Rule.Level == web.AppPassword {
				if res := send(visitor); res.StatusCode != 401 {
					t.Errorf("visitor %s %s: %d, want 401", r.Method, r.Path, res.StatusCode)
				}
				continue
			}
			// Visitors reach only public routes.
			if r.Rule.Level != web.Anyone {
				res := send(visitor)
				if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
					t.Errorf("visitor %s %s: %d %q", r.Method, r.Path, res.StatusCode, res.Header.Get("Location"))
				}
			}
			// A coachee holds few permissions: every route needing another is 403.
			if r.Rule.Need != "" && !coacheeHolds.Has(r.Rule.Need) {
				if res := send(coachee); res.StatusCode != 403 {
					t.Errorf("coachee %s %s: %d", r.Method, r.Path, res.StatusCode)
				}
			}
			// Another organisation's administrator never reaches this one's people.
			if strings.HasPrefix(r.Path, "/people/:id") {
				if res := send(stranger); res.StatusCode != 404 {
					t.Errorf("other organisation %s %s: %d", r.Method, r.Path, res.StatusCode)
				}
			}
		}
		// Every built-in role: holders of a route's permission pass the guard on
		// every GET route; everyone else is refused on every route.
		for _, role := range access.BuiltIn() {
			email := string(role) + "@roles.example"
			if _, _, err := app.Identity().Seed(ctx, org, identity.Invitee{Email: email, GivenName: "R", FamilyName: string(role), Role: role}, demo.Password, demo.TOTPSecret); err != nil {
				t.Fatal(err)
			}
			c := app.Client(t)
			c.SignIn(email)
			held := access.Set{}.Add(app.Access().BuiltInPermissions(role)...)
			for _, r := range routes {
				if r.Rule.Level == web.Anyone || r.Rule.Level == web.AppPassword || r.Rule.Need == access.PlatformOperate {
					continue
				}
				// A dossier's routes answer by the person's level in that
				// dossier, not by a role: TestDossierRoutesByLevel covers them.
				if strings.HasPrefix(r.Path, "/dossiers/:id") {
					continue
				}
				path := fill(r.Path)
				switch {
				case !held.Has(r.Rule.Need):
					var res *coretest.Response
					if r.Method == http.MethodGet {
						res = get(c, r, path)
					} else {
						res = c.PostForm(path, url.Values{})
					}
					if res.StatusCode != 403 && res.StatusCode != 404 {
						t.Errorf("%s without %s: %s %s answered %d", role, r.Rule.Need, r.Method, r.Path, res.StatusCode)
					}
				case r.Method == http.MethodGet:
					res := get(c, r, path)
					if res.StatusCode == 403 || res.StatusCode >= 500 || strings.HasPrefix(res.Header.Get("Location"), "/signin") {
						t.Errorf("%s holding %q: GET %s answered %d %s", role, r.Rule.Need, r.Path, res.StatusCode, res.Header.Get("Location"))
					}
				}
			}
		}

		// And the coach is untouched by all of the above.
		after, _ := app.Identity().ByID(ctx, coach.ID)
		if after.Email != coach.Email || after.Locked() || !after.TOTPEnabled {
			t.Errorf("the coach was changed by refused requests: %+v", after)
		}
	})
}

// TestEveryRouteHasARule fails when a route is added to the server without
// going through Handle, and so without an authorization rule.
func TestEveryRouteHasARule(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	guarded := map[string]bool{}
	for _, r := range app.Web().Routes() {
		guarded[r.Method+" "+r.Path] = true
	}
	unguarded := map[string]bool{"GET /static/*": true, "GET /healthz": true, "GET /readyz": true}
	for _, r := range app.Web().App().GetRoutes(true) {
		key := r.Method + " " + r.Path
		if r.Method == http.MethodHead {
			key = "GET " + r.Path
		}
		if !guarded[key] && !unguarded[key] {
			t.Errorf("%s %s is served without an authorization rule; register it with Server.Handle", r.Method, r.Path)
		}
	}
}

// get fetches a route; a stream's answer is its status and headers only.
func get(c *coretest.Client, r web.RouteInfo, path string) *coretest.Response {
	if !r.Stream {
		return c.Get(path)
	}
	s := c.Stream(path)
	defer s.Close()
	return &coretest.Response{Response: &http.Response{StatusCode: s.Status, Header: s.Header}}
}

// TestEveryRouteBySignInState walks every route in the states the role
// matrix above lacks: half signed in with a second factor and without one,
// an account invited but not accepted, a member of two subscribers, and the
// operator, with every account-wide action (Rule.Account) among them.
func TestEveryRouteBySignInState(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 1_000_000 }})
		ctx := context.Background()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		north := app.Organisation(t, "north", "North Care")
		admin2 := app.Person(t, harbour, "admin2@harbour.example", access.RoleAdmin) // no operator
		if _, _, err := app.Identity().Seed(ctx, harbour, identity.Invitee{Email: "nofactor@harbour.example", GivenName: "N", FamilyName: "F", Role: access.RoleCoach}, demo.Password, ""); err != nil {
			t.Fatal(err)
		}
		shared := app.Person(t, harbour, "shared@harbour.example", access.RoleCoach)
		app.Person(t, north, shared.Email, access.RoleCoach)
		pending := app.Person(t, north, "pending@north.example", access.RoleCoach)
		if err := tenancy.Invite(ctx, app.DB(), &tenancy.Invitation{OrganisationID: harbour.ID, UserID: pending.ID, Role: access.RoleCoach, Email: pending.Email, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		operator, _ := app.Identity().ByEmail(ctx, "admin@harbour.example")
		routes := app.Web().Routes()
		send := func(c *coretest.Client, r web.RouteInfo, id int64) *coretest.Response {
			path := strings.ReplaceAll(strings.ReplaceAll(r.Path, ":id", strconv.FormatInt(id, 10)), ":token", "no-such-token")
			if r.Method == http.MethodGet {
				return get(c, r, path)
			}
			return c.PostForm(path, url.Values{})
		}
		skip := func(r web.RouteInfo) bool {
			return r.Rule.Level == web.Anyone || r.Rule.Level == web.AppPassword || (r.Method == http.MethodPost && r.Path == "/signout")
		}

		// Half signed in, with a second factor: the code step and nothing else.
		half := app.Client(t)
		half.SignInPassword("coach@harbour.example")
		for _, r := range routes {
			if skip(r) {
				continue
			}
			res := send(half, r, admin2.ID)
			if r.Rule.Level == web.HalfSignedIn { // open (an empty code is refused as such)
				if res.StatusCode >= 500 || res.StatusCode == 403 || strings.HasPrefix(res.Header.Get("Location"), "/signin?") {
					t.Errorf("half signed in, %s %s: %d %q", r.Method, r.Path, res.StatusCode, res.Header.Get("Location"))
				}
				continue
			}
			if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/signin/code") {
				t.Errorf("half signed in with a factor, %s %s: %d %q", r.Method, r.Path, res.StatusCode, res.Header.Get("Location"))
			}
		}
		// Half signed in, without one: setting one up and nothing else.
		bare := app.Client(t)
		bare.SignInPassword("nofactor@harbour.example")
		for _, r := range routes {
			if skip(r) || r.Rule.Level == web.HalfSignedIn {
				continue
			}
			res := send(bare, r, admin2.ID)
			if r.Rule.Level == web.Enrolling {
				if r.Method == http.MethodGet && res.StatusCode != 200 {
					t.Errorf("half signed in without a factor, %s %s: %d", r.Method, r.Path, res.StatusCode)
				}
				continue
			}
			if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/setup/factor") {
				t.Errorf("half signed in without a factor, %s %s: %d %q", r.Method, r.Path, res.StatusCode, res.Header.Get("Location"))
			}
		}

		// The account-wide actions are all marked, and only the operator or
		// the account's steward passes them.
		marked := map[string]bool{}
		for _, r := range routes {
			if r.Rule.Account {
				marked[r.Method+" "+r.Path] = true
			}
		}
		for _, want := range []string{"POST /people/:id/email", "POST /people/:id/name", "POST /people/:id/reset-factor", "POST /people/:id/unlock", "POST /people/:id/erase"} {
			if !marked[want] {
				t.Errorf("%s is not marked as acting on a whole account", want)
			}
		}
		tenant := app.Client(t)
		tenant.SignIn(admin2.Email)
		op := app.Client(t)
		op.SignIn(operator.Email)
		for _, r := range routes {
			switch {
			case r.Rule.Account:
				// A member of two subscribers, and the operator, are no
				// tenant administrator's to change.
				for _, u := range []*identity.User{shared, operator} {
					if res := send(tenant, r, u.ID); res.StatusCode != 403 {
						t.Errorf("tenant administrator, %s %s on %s: %d", r.Method, r.Path, u.Email, res.StatusCode)
					}
				}
			case strings.HasPrefix(r.Path, "/people/:id") && r.Method == http.MethodGet:
				// The membership of a shared account stays each organisation's.
				if res := send(tenant, r, shared.ID); res.StatusCode == 403 || res.StatusCode >= 500 {
					t.Errorf("tenant administrator, %s %s on a shared account: %d", r.Method, r.Path, res.StatusCode)
				}
			}
			// An account invited but not accepted is nobody's here yet.
			if strings.HasPrefix(r.Path, "/people/:id") {
				if res := send(tenant, r, pending.ID); res.StatusCode != 404 {
					t.Errorf("tenant administrator, %s %s on an invited account: %d", r.Method, r.Path, res.StatusCode)
				}
			}
			// Operator routes: the operator passes, a tenant administrator not.
			if r.Rule.Need == access.PlatformOperate {
				if r.Method == http.MethodGet {
					if res := send(op, r, harbour.ID); res.StatusCode == 403 || res.StatusCode >= 500 {
						t.Errorf("operator, %s %s: %d", r.Method, r.Path, res.StatusCode)
					}
				}
				if res := send(tenant, r, harbour.ID); res.StatusCode != 403 && res.StatusCode != 404 {
					t.Errorf("tenant administrator, operator route %s %s: %d", r.Method, r.Path, res.StatusCode)
				}
			}
		}
		// The invited account works in its own organisation and reaches nothing of the inviting one.
		invitee := app.Client(t)
		invitee.SignIn(pending.Email)
		invitee.PostForm("/switch/"+strconv.FormatInt(harbour.ID, 10), url.Values{})
		if page := invitee.Get("/people"); !strings.Contains(page.Text("table"), pending.Email) || strings.Contains(page.Text("table"), "coach@harbour.example") {
			t.Errorf("the invited account sees %q", page.Text("table"))
		}
		// Nothing of the above changed the accounts.
		for _, u := range []*identity.User{shared, operator} {
			after, _ := app.Identity().ByID(ctx, u.ID)
			if after.Email != u.Email || !after.TOTPEnabled || after.GivenName != u.GivenName {
				t.Errorf("%s was changed by refused requests", u.Email)
			}
		}
	})
}
