package dossiers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestADossierBecomesTheAccountsOnlyWhenItsOwnerJoins is what the hostile
// review found: a dossier registered for an address with an account in
// another organisation was linked to that account before its owner said
// yes, so the registering organisation saw the account's name and photo,
// the account's export carried the dossier, and the other organisation,
// erasing its member, blanked the dossier. Now the dossier waits, no
// account's, until the owner accepts.
func TestADossierBecomesTheAccountsOnlyWhenItsOwnerJoins(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		petra := app.Person(t, north, "petra@north.example", access.RoleCoachee)
		pat := app.Person(t, north, "pat@north.example", access.RoleCoachee)

		hr := app.Client(t)
		hr.SignIn("hr@harbour.example")
		register := func(given, email string) string {
			t.Helper()
			id := dossierID(t, hr.PostForm("/dossiers/new", registration(given, "Typed", email)))
			start := "/dossiers/" + strconv.FormatInt(id, 10) + "/trajectories/new"
			product := hr.Get(start).Doc.Find(`#f-product option:contains("Individual coaching (4 sessions)")`).AttrOr("value", "")
			if res := hr.PostForm(start, url.Values{"product": {product}, "start_date": {"2026-12-01"}}); res.StatusCode != 303 {
				t.Fatalf("start: %d %s", res.StatusCode, res.Text(".field-error"))
			}
			return "/dossiers/" + strconv.FormatInt(id, 10)
		}
		linked := func(path string) *int64 {
			t.Helper()
			var user *int64
			id, _ := strconv.ParseInt(strings.TrimPrefix(path, "/dossiers/"), 10, 64)
			if err := app.DB().NewSelect().Table("dossiers").Column("user_id").Where("id = ?", id).Scan(ctx, &user); err != nil {
				t.Fatal(err)
			}
			return user
		}
		petrasDossier := register("Petra", petra.Email)
		if user := linked(petrasDossier); user != nil {
			t.Fatalf("the dossier was linked to the account before its owner answered: %d", *user)
		}
		if page := hr.Get(petrasDossier); strings.Contains(page.Body, "P petra") {
			t.Error("Harbour sees the account's own name")
		}
		if res := hr.Get(petrasDossier + "/members/" + strconv.FormatInt(petra.ID, 10) + "/photo"); res.StatusCode != 404 {
			t.Errorf("Harbour reaches the account's photo: %d", res.StatusCode)
		}
		// The account's own export holds nothing of Harbour's dossier.
		owner := app.Client(t)
		owner.SignIn(petra.Email)
		export := owner.Get("/settings/privacy/export")
		z, err := zip.NewReader(bytes.NewReader([]byte(export.Body)), int64(len(export.Body)))
		if err != nil {
			t.Fatalf("export: %d %v", export.StatusCode, err)
		}
		for _, f := range z.File {
			r, _ := f.Open()
			body, _ := io.ReadAll(r)
			if strings.Contains(string(body), "Warehouse") || strings.Contains(string(body), "dossier.") {
				t.Errorf("the export's %s holds Harbour's dossier", f.Name)
			}
		}
		// She declines; North erases her: Harbour's dossier is untouched.
		if res := owner.PostForm("/invitations/"+strconv.FormatInt(harbour.ID, 10)+"/decline", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("decline: %d", res.StatusCode)
		}
		northAdmin := app.Client(t)
		northAdmin.SignIn("admin@north.example")
		if res := northAdmin.PostForm("/people/"+strconv.FormatInt(petra.ID, 10)+"/erase", url.Values{"confirm": {"1"}}); res.StatusCode != 303 {
			t.Fatalf("erase: %d", res.StatusCode)
		}
		if gone, _ := app.Identity().ByID(ctx, petra.ID); gone.GivenName != "" {
			t.Fatal("North did not erase its own member")
		}
		if page := hr.Get(petrasDossier); !strings.Contains(page.Text("#details"), "Warehouse") || !strings.Contains(page.Text("h1"), "Petra") {
			t.Errorf("erasing North's member changed Harbour's dossier: %q", page.Text("#details"))
		}

		// Pat accepts: the dossier Harbour registered for the address is hers.
		patsDossier := register("Pat", pat.Email)
		patClient := app.Client(t)
		patClient.SignIn(pat.Email)
		if res := patClient.PostForm("/invitations/"+strconv.FormatInt(harbour.ID, 10)+"/accept", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("accept: %d", res.StatusCode)
		}
		if user := linked(patsDossier); user == nil || *user != pat.ID {
			t.Fatalf("the dossier did not become hers on accepting: %v", user)
		}
		// And now her account is Harbour's and North's both: neither erases it.
		if res := northAdmin.PostForm("/people/"+strconv.FormatInt(pat.ID, 10)+"/erase", url.Values{"confirm": {"1"}}); res.StatusCode != 403 {
			t.Errorf("North erasing a shared account: %d", res.StatusCode)
		}
	})
}
