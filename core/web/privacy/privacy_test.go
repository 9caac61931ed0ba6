package privacy_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestDownloadMyData: a person downloads a ZIP of JSON files with their
// account, dossier and trajectories, and never a secret.
func TestDownloadMyData(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		if page := kim.Get("/settings/privacy"); page.StatusCode != 200 || page.Doc.Find("#export-link").Length() != 1 {
			t.Fatalf("privacy page: %d", page.StatusCode)
		}
		res := kim.Get("/settings/privacy/export")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("export: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		files := coretest.Unzip(t, []byte(res.Body))
		for name, want := range map[string]string{"account.json": "coachee@harbour.example", "dossiers.json": "Bakker", "trajectories.json": "Individual coaching",
			"memberships.json": "Harbour Coaching", "roles.json": "coachee", "audit.json": "identity."} {
			if !strings.Contains(files[name], want) {
				t.Errorf("%s lacks %q: %s", name, want, files[name])
			}
		}
		for name, body := range files {
			for _, secret := range []string{"password_hash", "totp_secret", "argon2", "hash"} {
				if strings.Contains(body, secret) {
					t.Errorf("%s carries %s", name, secret)
				}
			}
		}
		if files["dossiers.json"] != "" && strings.Contains(files["dossiers.json"], "Smit") {
			t.Error("another person's dossier is in the export")
		}
	})
}

// TestErasingAPerson: an administrator erases a member after confirming;
// the retention rule, another organisation's membership and a missing
// confirmation each refuse and change nothing.
func TestErasingAPerson(t *testing.T) {
	t.Parallel()
	for _, retention := range []int{365, 0} {
		t.Run("retention-"+strconv.Itoa(retention), func(t *testing.T) { testErasing(t, retention) })
	}
}

func testErasing(t *testing.T, retention int) {
	{
		coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
			app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Privacy.RetentionDays = retention }})
			ctx := context.Background()
			kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
			erase := "/people/" + strconv.FormatInt(kim.ID, 10) + "/erase"
			admin := app.Client(t)
			admin.SignIn("admin@harbour.example")
			coach := app.Client(t)
			coach.SignIn("coach@harbour.example")
			if res := coach.PostForm(erase, url.Values{"confirm": {"1"}}); res.StatusCode != 403 {
				t.Errorf("a coach erases: %d", res.StatusCode)
			}
			if res := admin.PostForm(erase, url.Values{}); res.StatusCode != 303 || !strings.Contains(admin.Get(res.Header.Get("Location")).Text(".flash-error"), "Tick the box") {
				t.Errorf("without confirmation: %d", res.StatusCode)
			}
			if retention > 0 {
				res := admin.PostForm(erase, url.Values{"confirm": {"1"}})
				if res.StatusCode != 409 || !strings.Contains(res.Text("#retained"), "until") {
					t.Errorf("within retention: %d %q", res.StatusCode, res.Text("#retained"))
				}
				if after, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example"); after == nil || after.GivenName != "Kim" {
					t.Error("a refused erasure changed the account")
				}
				return
			}
			// A member of two organisations is not this one's to erase.
			other, _, _ := app.Organisations().Ensure(ctx, tenancy.Organisation{Slug: "two", Name: "Two", Locale: "en", TimeZone: "Europe/Amsterdam"})
			both, _, err := app.Identity().Seed(ctx, other, identity.Invitee{Email: "both@harbour.example", GivenName: "B", FamilyName: "Oth", Role: access.RoleCoachee}, demo.Password, "")
			if err != nil {
				t.Fatal(err)
			}
			org, _ := app.Organisations().BySlug(ctx, demo.Slug)
			if err := tenancy.AddMember(ctx, app.DB(), org.ID, both.ID, access.RoleCoachee); err != nil {
				t.Fatal(err)
			}
			if res := admin.PostForm("/people/"+strconv.FormatInt(both.ID, 10)+"/erase", url.Values{"confirm": {"1"}}); res.StatusCode != 303 ||
				!strings.Contains(admin.Get(res.Header.Get("Location")).Text(".flash-error"), "another organisation") {
				t.Errorf("a member of two organisations: %d", res.StatusCode)
			}
			// Someone of another organisation only: not found.
			stranger, _, _ := app.Identity().Seed(ctx, other, identity.Invitee{Email: "stranger@two.example", GivenName: "S", FamilyName: "T", Role: access.RoleCoachee}, demo.Password, "")
			if res := admin.PostForm("/people/"+strconv.FormatInt(stranger.ID, 10)+"/erase", url.Values{"confirm": {"1"}}); res.StatusCode != 404 {
				t.Errorf("another organisation's person: %d", res.StatusCode)
			}
			if res := admin.PostForm(erase, url.Values{"confirm": {"1"}}); res.StatusCode != 303 {
				t.Fatalf("erase: %d", res.StatusCode)
			}
			if _, err := app.Identity().ByEmail(ctx, "coachee@harbour.example"); err == nil {
				t.Error("the erased address still finds the account")
			}
			gone, _ := app.Identity().ByID(ctx, kim.ID)
			if gone.GivenName != "" || gone.PasswordHash != "" || gone.TOTPSecret != "" || len(gone.Photo) != 0 {
				t.Errorf("the account keeps personal data: %+v", gone)
			}
			if _, err := app.Identity().SignIn(ctx, "coachee@harbour.example", demo.Password, "", "10.0.0.1"); err == nil {
				t.Error("the erased person signs in")
			}
			all := dossier.Who{OrgID: org.ID, Can: access.Set{}.Add(access.DossiersViewAll)}
			if p, _ := app.Dossiers().List(ctx, all, dossier.Query{Text: "Bakker"}); p.Total != 0 {
				t.Error("the erased person's dossier is still found by name")
			}
			if list := admin.Get("/organisation/audit").Text("main"); !strings.Contains(list, "Person erased") {
				t.Errorf("the audit log: %q", list)
			}
		})
	}
}
