package organisation_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestBadInputChangesNothing sends each kind of bad input the issue names and
// checks the clear error and that nothing changed.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)

		// Colours: unreadable and malformed.
		res := admin.PostFile("/organisation/look", url.Values{"primary": {"#ffff00"}, "accent": {"blue"}, "theme": {"default"}}, "logo", "", nil)
		if res.StatusCode != 422 || !strings.Contains(res.Body, "hard to read") || !strings.Contains(res.Body, "#rrggbb") {
			t.Errorf("bad colours: %d", res.StatusCode)
		}
		// Logos: not an image, and too large.
		res = admin.PostFile("/organisation/look", url.Values{"primary": {"#1f5f8b"}, "accent": {"#c2410c"}, "theme": {"default"}}, "logo", "logo.png", []byte("MZ this is a program"))
		if res.StatusCode != 422 || !strings.Contains(res.Body, "SVG, PNG or JPEG") {
			t.Errorf("non-image logo: %d", res.StatusCode)
		}
		res = admin.PostFile("/organisation/look", url.Values{"primary": {"#1f5f8b"}, "accent": {"#c2410c"}, "theme": {"default"}}, "logo", "big.png", make([]byte, 1<<20+10))
		if res.StatusCode != 422 || !strings.Contains(res.Body, "1 MB") {
			t.Errorf("oversized logo: %d", res.StatusCode)
		}
		if page := admin.Get("/"); strings.Contains(page.Body, "/brand/") {
			t.Error("a refused look was applied")
		}
		// A good look applies to the pages at once.
		var img bytes.Buffer
		_ = png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 40, 20)))
		if res := admin.PostFile("/organisation/look", url.Values{"primary": {"#5b21b6"}, "accent": {"#b91c1c"}, "theme": {"default"}}, "logo", "logo.png", img.Bytes()); res.StatusCode != 303 {
			t.Fatalf("good look: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		page := admin.Get("/")
		css, _ := page.Doc.Find(`link[href^="/brand/"]`).Attr("href")
		logo, _ := page.Doc.Find(`img.logo-image`).Attr("src")
		if sheet := app.Client(t).Get(css); !strings.Contains(sheet.Body, "#5b21b6") {
			t.Errorf("brand css %q: %q", css, sheet.Body)
		}
		if got := app.Client(t).Get(logo); got.Header.Get("Content-Type") != "image/png" {
			t.Errorf("logo %q: %s", logo, got.Header.Get("Content-Type"))
		}
		if signin := app.Client(t).Get("/signin?org=" + demo.Slug); signin.Doc.Find(`img.logo-image`).Length() != 1 {
			t.Error("the sign-in page is not branded")
		}

		// A circular daughter.
		if res := admin.PostForm("/organisation/daughters", url.Values{"name": {"Rotterdam"}, "parent": {strconv.FormatInt(org.ID, 10)}}); res.StatusCode != 303 {
			t.Fatalf("daughter: %d", res.StatusCode)
		}
		tree, _ := app.Organisations().Tree(ctx, org.ID)
		rotterdam := tree[1].ID
		_, _ = app.Organisations().CreateDaughter(ctx, &tree[1].Organisation, tenancy.Details{Name: "Rotterdam Zuid", Locale: "en", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		tree, _ = app.Organisations().Tree(ctx, org.ID)
		zuid := tree[2].ID
		res = admin.PostForm("/organisation/daughters/"+strconv.FormatInt(rotterdam, 10)+"/move", url.Values{"parent": {strconv.FormatInt(zuid, 10)}})
		if res.StatusCode != 422 || !strings.Contains(res.Body, "cannot fall under itself") {
			t.Errorf("circular move: %d", res.StatusCode)
		}
		if lineage, _ := app.Organisations().Lineage(ctx, zuid); len(lineage) != 3 {
			t.Error("a refused move changed the tree")
		}

		// Removing the last administrator.
		me, _ := app.Identity().ByEmail(ctx, "admin@harbour.example")
		res = admin.PostForm("/people/"+strconv.FormatInt(me.ID, 10)+"/roles", url.Values{"roles": {"coach"}})
		if res.StatusCode != 422 || !strings.Contains(res.Body, "at least one active administrator") {
			t.Errorf("last admin: %d", res.StatusCode)
		}
		if roles, _ := app.Organisations().RolesOf(ctx, org.ID, me.ID); len(roles) != 1 || roles[0] != "admin" {
			t.Errorf("roles after a refused change: %v", roles)
		}

		// A duplicate address.
		res = admin.PostForm("/people/invite", url.Values{"email": {"coach@harbour.example"}, "given_name": {"C"}, "family_name": {"J"}, "role": {"coachee"}})
		if res.StatusCode != 422 || !strings.Contains(res.Body, "already belongs") {
			t.Errorf("duplicate address: %d", res.StatusCode)
		}

		// A custom role beyond one's own rights is refused for a coach-level editor;
		// the admin makes one and gives it.
		if res := admin.PostForm("/organisation/roles/new", url.Values{"name": {"Planner"}, "permissions": {"people.view", "audit.view"}}); res.StatusCode != 303 {
			t.Fatalf("custom role: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		if page := admin.Get("/organisation/roles"); !strings.Contains(page.Body, "Planner") {
			t.Error("the custom role is not listed")
		}
		audit := admin.Get("/organisation/audit")
		for _, want := range []string{"Look changed", "Daughter organisation added", "Role saved"} {
			if !strings.Contains(audit.Body, want) {
				t.Errorf("audit log lacks %q", want)
			}
		}
		if filtered := admin.Get("/organisation/audit?area=people"); strings.Contains(filtered.Body, "Look changed") {
			t.Error("the area filter does not filter")
		}
	})
}

// TestOnlyTheOperatorSetsPortalAddresses: a portal address decides whose
// sign-in page a visitor sees, so a tenant's administrator cannot claim one
// (the installation's own, another tenant's, any): the organisation page
// shows it read only and a posted address is not kept. The operator sets it
// on the subscriber's page, never the installation's own host nor one
// another organisation has, with the reason on the form in the operator's
// language and nothing changed; the sign-in page follows only those.
func TestOnlyTheOperatorSetsPortalAddresses(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
			c.Server.BaseURL = "http://portal.harbour.example"
		}})
		ctx := context.Background()
		orgs := app.Organisations()
		harbour, _ := orgs.BySlug(ctx, demo.Slug)
		north, err := orgs.CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "nl", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err != nil {
			t.Fatal(err)
		}
		if err := orgs.SetSubscription(ctx, north.ID, tenancy.Plan{Modules: nil, MaxPeople: 10}, nil); err != nil {
			t.Fatal(err)
		}
		if _, _, err := app.Identity().Seed(ctx, north, identity.Invitee{Email: "admin@north.example", GivenName: "Noor", FamilyName: "Admin",
			Role: access.RoleAdmin}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		visitor := app.Client(t)
		brand := func(host string) string { return visitor.Get("/signin", "Host", host).Text(".auth-brand") }
		domainOf := func(id int64) string {
			o, err := orgs.ByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return o.Domain
		}

		// The tenant's administrator posts addresses: none is kept.
		tenant := app.Client(t)
		tenant.SignIn("admin@north.example")
		if page := tenant.Get("/organisation"); page.Doc.Find(`input[name="domain"]`).Length() != 0 {
			t.Error("the organisation's form offers the portal address")
		}
		for _, d := range []string{"portal.harbour.example", "portal.north.example"} {
			res := tenant.PostForm("/organisation", url.Values{"name": {"North Care"}, "locale": {"nl"}, "time_zone": {"Europe/Amsterdam"}, "domain": {d}})
			if res.StatusCode != 303 {
				t.Fatalf("details with %s: %d", d, res.StatusCode)
			}
			if got := brand(d); strings.Contains(got, "North Care") {
				t.Errorf("a visitor at %s sees %q", d, got)
			}
		}
		if d := domainOf(north.ID); d != "" {
			t.Errorf("the tenant set its portal address to %q", d)
		}

		// The operator: refusals first, each changing nothing.
		op := app.Client(t)
		op.SignIn("admin@harbour.example")
		northPath := "/operator/organisations/" + strconv.FormatInt(north.ID, 10)
		harbourPath := "/operator/organisations/" + strconv.FormatInt(harbour.ID, 10)
		if res := op.PostForm(harbourPath+"/domain", url.Values{"domain": {"portal.harbourcoaching.example"}}); res.StatusCode != 303 {
			t.Fatalf("harbour's address: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		for _, tc := range []struct{ domain, want string }{
			{"portal.harbour.example", "this installation's own address"},
			{"Portal.Harbour.Example", "this installation's own address"},
			{"portal.harbourcoaching.example", "Another organisation already uses this address."},
			{"not a domain", "Enter an address such as portal.example.org."},
			{"https://portal.north.example/", "Enter an address such as portal.example.org."},
		} {
			res := op.PostForm(northPath+"/domain", url.Values{"domain": {tc.domain}})
			if res.StatusCode != 422 || !strings.Contains(res.Text("#f-domain-error"), tc.want) {
				t.Errorf("%q: %d %q", tc.domain, res.StatusCode, res.Text("#f-domain-error"))
			}
			if res.Attr("#f-domain", "value") != tc.domain {
				t.Errorf("%q: the form did not keep what was typed", tc.domain)
			}
		}
		if d := domainOf(north.ID); d != "" {
			t.Errorf("a refused address was kept: %q", d)
		}
		if res := op.PostForm("/language", url.Values{"locale": {"nl"}, "next": {northPath}}); res.StatusCode != 303 {
			t.Fatalf("language: %d", res.StatusCode)
		}
		if res := op.PostForm(northPath+"/domain", url.Values{"domain": {"portal.harbourcoaching.example"}}); !strings.Contains(res.Text("#f-domain-error"), "Een andere organisatie gebruikt dit adres al.") {
			t.Errorf("in Dutch: %q", res.Text("#f-domain-error"))
		}

		// Then the address the operator gives North Care.
		if res := op.PostForm(northPath+"/domain", url.Values{"domain": {" Portal.North.Example "}}); res.StatusCode != 303 {
			t.Fatalf("north's address: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		if d := domainOf(north.ID); d != "portal.north.example" {
			t.Fatalf("stored address %q", d)
		}
		if got := brand("portal.north.example"); !strings.Contains(got, "North Care") {
			t.Errorf("the sign-in page at the portal address shows %q", got)
		}
		for _, host := range []string{"portal.harbour.example", "portal.harbourcoaching.example"} {
			if got := brand(host); !strings.Contains(got, "Harbour") {
				t.Errorf("the sign-in page at %s shows %q", host, got)
			}
		}
		page := tenant.Get("/organisation")
		if page.Doc.Find(`input[name="domain"]`).Length() != 0 || !strings.Contains(page.Text("#portal-address"), "portal.north.example") {
			t.Errorf("the tenant's page shows the address as %q", page.Text("#portal-address"))
		}
		// The tenant's own save keeps it.
		if res := tenant.PostForm("/organisation", url.Values{"name": {"North Care"}, "locale": {"nl"}, "time_zone": {"Europe/Amsterdam"}, "domain": {""}}); res.StatusCode != 303 {
			t.Fatalf("details: %d", res.StatusCode)
		}
		if d := domainOf(north.ID); d != "portal.north.example" {
			t.Errorf("the tenant's save changed the address to %q", d)
		}
		// Clearing it is the operator's too.
		if res := op.PostForm(northPath+"/domain", url.Values{"domain": {""}}); res.StatusCode != 303 {
			t.Fatalf("clear: %d", res.StatusCode)
		}
		if got := brand("portal.north.example"); strings.Contains(got, "North Care") {
			t.Errorf("a cleared address still shows %q", got)
		}
	})
}

// TestPortalAddressesFromBeforeAreOnlyRequests: addresses stored before only
// the operator could set them were typed by each tenant's administrator, so
// the upgrade keeps none in use: the sign-in page no longer follows them,
// and the operator sees each as the organisation's request, which setting
// an address settles.
func TestPortalAddressesFromBeforeAreOnlyRequests(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		orgs := app.Organisations()
		north, err := orgs.CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "nl", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
		if err != nil {
			t.Fatal(err)
		}
		var upgrade store.Migration
		for _, m := range tenancy.Migrations() {
			if strings.HasSuffix(m.Name, "_operator_domains") {
				upgrade = m
			}
		}
		if upgrade.Up == nil {
			t.Fatal("no operator_domains migration")
		}
		// Back to the schema before it, with an address the tenant typed.
		err = app.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := upgrade.Down(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE organisations SET domain = ? WHERE id = ?", "portal.north.example", north.ID); err != nil {
				return err
			}
			return upgrade.Up(ctx, tx)
		})
		if err != nil {
			t.Fatal(err)
		}
		visitor := app.Client(t)
		if got := visitor.Get("/signin", "Host", "portal.north.example").Text(".auth-brand"); strings.Contains(got, "North Care") {
			t.Errorf("the address from before still shows %q", got)
		}
		op := app.Client(t)
		op.SignIn("admin@harbour.example")
		path := "/operator/organisations/" + strconv.FormatInt(north.ID, 10)
		page := op.Get(path)
		if !strings.Contains(page.Text("#domain-asked"), "portal.north.example") || page.Attr("#f-domain", "value") != "" {
			t.Errorf("the operator's page: asked %q, field %q", page.Text("#domain-asked"), page.Attr("#f-domain", "value"))
		}
		if res := op.PostForm(path+"/domain", url.Values{"domain": {"portal.north.example"}}); res.StatusCode != 303 {
			t.Fatalf("set: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		if got := visitor.Get("/signin", "Host", "portal.north.example").Text(".auth-brand"); !strings.Contains(got, "North Care") {
			t.Errorf("the address the operator set shows %q", got)
		}
		if page := op.Get(path); page.Doc.Find("#domain-asked").Length() != 0 {
			t.Error("the request is still shown after the operator set the address")
		}
	})
}
