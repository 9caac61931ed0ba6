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

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
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
		if res := admin.PostForm("/organisation/roles/new", url.Values{"name": {"Planner"}, "permissions": {"people.view", "reports.view"}}); res.StatusCode != 303 {
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

func TestPortalAddressBrandsTheSignInPage(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	ctx := context.Background()
	north, _ := app.Organisations().CreateSubscriber(ctx, tenancy.Details{Name: "North Care", Locale: "nl", TimeZone: "Europe/Amsterdam"}, []string{"en", "nl"})
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	form := url.Values{"name": {"Harbour Coaching"}, "locale": {"en"}, "time_zone": {"Europe/Amsterdam"}, "domain": {"not a domain"}}
	if res := admin.PostForm("/organisation", form); res.StatusCode != 422 {
		t.Errorf("bad address: %d", res.StatusCode)
	}
	north.Domain = "portal.north.example"
	if err := app.Organisations().Update(ctx, north, tenancy.Details{Name: north.Name, Locale: "nl", TimeZone: north.TimeZone, Domain: north.Domain}, []string{"en", "nl"}); err != nil {
		t.Fatal(err)
	}
	form.Set("domain", "portal.north.example")
	if res := admin.PostForm("/organisation", form); res.StatusCode != 422 || !strings.Contains(res.Body, "already uses") {
		t.Errorf("taken address: %d", res.StatusCode)
	}
	visitor := app.Client(t)
	if got := visitor.Get("/signin", "Host", "portal.north.example").Text(".auth-brand"); got != "NCNorth Care" && !strings.Contains(got, "North Care") {
		t.Errorf("sign-in page at the portal address shows %q", got)
	}
	if got := visitor.Get("/signin").Text(".auth-brand"); !strings.Contains(got, "Harbour") {
		t.Errorf("sign-in page elsewhere shows %q", got)
	}
}
