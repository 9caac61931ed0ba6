package dossiers_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// registration is a complete registration form.
func registration(given, family, email string) url.Values {
	return url.Values{"family_name": {family}, "given_name": {given}, "initials": {given[:1] + "."}, "gender": {"female"},
		"birth_date": {"1990-05-17"}, "email": {email}, "department": {"Warehouse"}, "cost_centre": {"PO-77"}}
}

// dossierID reads the id from a redirect to a dossier.
func dossierID(t *testing.T, res *coretest.Response) int64 {
	t.Helper()
	loc := res.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/dossiers/"), 10, 64)
	if res.StatusCode != 303 || err != nil {
		t.Fatalf("want a redirect to the dossier, got %d %q: %s", res.StatusCode, loc, res.Text(".field-error"))
	}
	return id
}

// TestEmployerRegistersAndStartsATrajectory is the employer's flow: bad
// input changes nothing, a registration opens the dossier, starting a
// trajectory invites the employee.
func TestEmployerRegistersAndStartsATrajectory(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		hr := app.Client(t)
		hr.SignIn("hr@harbour.example")
		if page := hr.Get("/dossiers/new"); page.StatusCode != 200 || page.Doc.Find("label[for=f-family_name] .required").Length() != 1 {
			t.Fatalf("registration form: %d", page.StatusCode)
		}
		org, _ := app.Organisations().BySlug(ctx, demo.Slug)
		all := dossier.Who{OrgID: org.ID, Can: access.Set{}.Add(access.DossiersViewAll)}
		before, _ := app.Dossiers().List(ctx, all, dossier.Query{})

		// Bad input: each field says what is wrong, and nothing is kept.
		bad := registration("Lotte", "", "not-an-address")
		bad.Set("birth_date", "2999-01-01")
		bad.Set("gender", "robot")
		bad.Set("notes", strings.Repeat("x", 5001))
		res := hr.PostForm("/dossiers/new", bad)
		if res.StatusCode != 422 {
			t.Fatalf("bad registration: %d", res.StatusCode)
		}
		for field, want := range map[string]string{"family_name": "Please fill this in.", "email": "not an e-mail address", "birth_date": "in the past", "gender": "Choose one", "notes": "too long"} {
			if got := res.Text("#f-" + field + "-error"); !strings.Contains(got, want) {
				t.Errorf("%s: %q, want %q", field, got, want)
			}
		}
		if res.Doc.Find("#f-given_name").AttrOr("value", "") != "Lotte" {
			t.Error("the form did not keep what was typed")
		}
		// A duplicate address within the organisation is refused.
		if res := hr.PostForm("/dossiers/new", registration("Kim", "Bakker", "coachee@harbour.example")); res.StatusCode != 422 || !strings.Contains(res.Text("#f-email-error"), "already exists") {
			t.Errorf("duplicate: %d %q", res.StatusCode, res.Text("#f-email-error"))
		}
		if after, _ := app.Dossiers().List(ctx, all, dossier.Query{}); after.Total != before.Total {
			t.Fatalf("refused registrations kept %d dossiers", after.Total-before.Total)
		}

		id := dossierID(t, hr.PostForm("/dossiers/new", registration("Lotte", "Jacobs", "Lotte.Jacobs@Example.org")))
		page := hr.Get("/dossiers/" + strconv.FormatInt(id, 10))
		if page.StatusCode != 200 || page.Text("h1") != "Lotte Jacobs" || page.Text("#dossier-status") != "Registered" {
			t.Fatalf("dossier page: %d %q %q", page.StatusCode, page.Text("h1"), page.Text("#dossier-status"))
		}
		if !strings.Contains(page.Text("#details"), "lotte.jacobs@example.org") || !strings.Contains(page.Text("#details"), "PO-77") {
			t.Errorf("details: %q", page.Text("#details"))
		}

		// Starting: a bad product or date is refused and invites nobody.
		start := "/dossiers/" + strconv.FormatInt(id, 10) + "/trajectories/new"
		form := hr.Get(start)
		product := form.Doc.Find(`#f-product option:contains("Individual coaching (4 sessions)")`).AttrOr("value", "")
		if product == "" {
			t.Fatalf("no products offered: %s", form.Body)
		}
		mails, _ := app.Mailer().Recent(ctx, 100)
		for _, bad := range []url.Values{{"product": {"999999"}, "start_date": {"2026-12-01"}}, {"product": {product}, "start_date": {"tomorrow"}}, {"product": {"x"}}} {
			if res := hr.PostForm(start, bad); res.StatusCode != 422 {
				t.Errorf("start %v: %d", bad, res.StatusCode)
			}
		}
		if after, _ := app.Mailer().Recent(ctx, 100); len(after) != len(mails) {
			t.Fatal("a refused start sent a mail")
		}
		if res := hr.PostForm(start, url.Values{"product": {product}, "start_date": {"2026-12-01"}}); res.StatusCode != 303 {
			t.Fatalf("start: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		after, _ := app.Mailer().Recent(ctx, 100)
		if len(after) != len(mails)+1 || after[0].Recipient != "lotte.jacobs@example.org" || !strings.Contains(after[0].Text, "/invitation/") {
			t.Fatalf("the employee was not invited: %d mails, newest %+v", len(after)-len(mails), after[0])
		}
		page = hr.Get("/dossiers/" + strconv.FormatInt(id, 10))
		if page.Text("#dossier-status") != "Active" || !strings.Contains(page.Text("#trajectories"), "Individual coaching (4 sessions)") || !strings.Contains(page.Text("#trajectories"), "0 / 4") {
			t.Errorf("after the start: %q / %q", page.Text("#dossier-status"), page.Text("#trajectories"))
		}
		u, err := app.Identity().ByEmail(ctx, "lotte.jacobs@example.org")
		if err != nil || u.Status != identity.StatusInvited {
			t.Fatalf("the employee's account: %v %+v", err, u)
		}
		// The employee joins, as a coachee, with their own yes: using the link.
		if asked, _ := app.Organisations().InvitationsOf(ctx, u.ID); len(asked) != 1 || asked[0].Role != access.RoleCoachee || asked[0].OrganisationID != org.ID {
			t.Errorf("the employee's invitation: %+v", asked)
		}
		employee := app.Client(t)
		link := app.MailedLink(t, "lotte.jacobs@example.org", "/invitation/")
		employee.Get(link)
		if res := employee.PostForm(link, url.Values{"password": {"Tulip-Harbour-93"}, "confirm": {"Tulip-Harbour-93"}, "terms": {"yes"}}); res.StatusCode != 303 {
			t.Fatalf("the employee accepting: %d", res.StatusCode)
		}
		if roles, _ := app.Organisations().RolesOf(ctx, org.ID, u.ID); len(roles) != 1 || roles[0] != access.RoleCoachee {
			t.Errorf("the employee's roles: %v", roles)
		}
		var linked *int64
		_ = app.DB().NewSelect().Table("dossiers").Column("user_id").Where("id = ?", id).Scan(ctx, &linked)
		if linked == nil || *linked != u.ID {
			t.Errorf("the dossier is not the employee's after they joined: %v", linked)
		}
		// A second trajectory (an extension) invites nobody again.
		if res := hr.PostForm(start, url.Values{"product": {product}, "start_date": {"2027-01-01"}}); res.StatusCode != 303 {
			t.Fatalf("second start: %d", res.StatusCode)
		}
		if again, _ := app.Mailer().Recent(ctx, 100); len(again) != len(after) {
			t.Error("a second trajectory invited the person again")
		}
	})
}

// TestQuickSearch finds dossiers from three letters of a first or last
// name, accents and case aside, only among those the person may open.
func TestQuickSearch(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		names := func(c *coretest.Client, q string) string {
			res := c.Get("/dossiers/search?q="+url.QueryEscape(q), "HX-Request", "true")
			if res.StatusCode != 200 {
				t.Fatalf("search %q: %d", q, res.StatusCode)
			}
			var out []string
			res.Doc.Find("#quick-list strong").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
			return strings.Join(out, ", ")
		}
		for q, want := range map[string]string{"bak": "Kim Bakker", "MUL": "Sanne Mulder", "dan": "Daniëlle Smit", "Dani": "Daniëlle Smit", "vri": "Bram de Vries", "xyz": ""} {
			if got := names(coach, q); got != want {
				t.Errorf("coach searching %q: %q, want %q", q, got, want)
			}
		}
		if res := coach.Get("/dossiers/search?q=ba", "HX-Request", "true"); !strings.Contains(res.Body, "at least three letters") || res.Doc.Find("#quick-list").Length() != 0 {
			t.Errorf("two letters: %q", res.Body)
		}
		// The coachee opens only their own dossier.
		coachee := app.Client(t)
		coachee.SignIn("coachee@harbour.example")
		if got := names(coachee, "smi"); got != "" {
			t.Errorf("the coachee found %q", got)
		}
		if got := names(coachee, "bak"); got != "Kim Bakker" {
			t.Errorf("the coachee's own dossier: %q", got)
		}
		// The full list filters by name, status and coach.
		list := coach.Get("/dossiers?q=bak&status=active")
		if got := list.Text("#own-dossiers tbody"); !strings.Contains(got, "Kim Bakker") || strings.Contains(got, "Mulder") {
			t.Errorf("filtered list: %q", got)
		}
		if got := coach.Get("/dossiers?status=registered").Text("#own-dossiers tbody"); !strings.Contains(got, "Bram de Vries") || strings.Contains(got, "Bakker") {
			t.Errorf("registered: %q", got)
		}
	})
}

// otherOrganisation makes a subscriber with one person in the given role.
func otherOrganisation(t *testing.T, app *coretest.App, slug, email string, role access.Role) *tenancy.Organisation {
	t.Helper()
	ctx := context.Background()
	org, _, err := app.Organisations().Ensure(ctx, tenancy.Organisation{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:] + " Care", Locale: "en", TimeZone: "Europe/Amsterdam"})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Organisations().SetSubscription(ctx, org.ID, tenancy.Plan{Modules: []string{dossier.Module}, MaxPeople: 10}, []string{dossier.Module}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := app.Identity().Seed(ctx, org, identity.Invitee{Email: email, GivenName: "Leon", FamilyName: "Peters", Role: role}, demo.Password, demo.TOTPSecret); err != nil {
		t.Fatal(err)
	}
	return org
}

// TestSharingAcrossOrganisations shares a dossier with a coach of another
// organisation: it appears under "Shared with me" at exactly the granted
// level, their colleagues see nothing, and revoking takes it away.
func TestSharingAcrossOrganisations(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		otherOrganisation(t, app, "kracht", "leon@kracht.example", access.RoleCoach)
		if _, _, err := app.Identity().Seed(ctx, mustOrg(t, app, "kracht"), identity.Invitee{Email: "admin@kracht.example", GivenName: "Ada", FamilyName: "Kracht", Role: access.RoleAdmin}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim := findDossier(t, app, "Bakker")
		base := "/dossiers/" + strconv.FormatInt(kim, 10)

		leon := app.Client(t)
		leon.SignIn("leon@kracht.example")
		if res := leon.Get(base); res.StatusCode != 404 {
			t.Fatalf("before sharing: %d", res.StatusCode)
		}
		// Bad input: no address, no level, oneself (an unknown address is
		// invited: TestSharingWithAnAddressWithoutAccount).
		for _, bad := range []url.Values{{"email": {""}, "level": {"view"}}, {"email": {"leon@kracht.example"}, "level": {"owner"}}, {"email": {"coach@harbour.example"}, "level": {"view"}}} {
			if res := coach.PostForm(base+"/sharing", bad); res.StatusCode != 422 {
				t.Errorf("share %v: %d", bad, res.StatusCode)
			}
		}
		if res := coach.PostForm(base+"/sharing", url.Values{"email": {"Leon@Kracht.example"}, "level": {"view"}}); res.StatusCode != 303 {
			t.Fatalf("share: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		list := leon.Get("/dossiers")
		if got := list.Text("#shared-dossiers"); !strings.Contains(got, "Kim Bakker") || !strings.Contains(got, "Harbour Coaching") {
			t.Fatalf("shared with me: %q", got)
		}
		if strings.Contains(list.Text("#own-dossiers"), "Bakker") {
			t.Error("the shared dossier is among Leon's own organisation's")
		}
		page := leon.Get(base)
		if page.StatusCode != 200 || page.Text("#dossier-level") != "View" || !strings.Contains(page.Text("#dossier-shared-from"), "Harbour Coaching") {
			t.Fatalf("Leon opens it: %d %q", page.StatusCode, page.Text("#dossier-level"))
		}
		if page.Doc.Find(`a[href$="/edit"], a[href$="/sharing"]`).Length() != 0 {
			t.Error("a viewer is offered edit or sharing")
		}
		for _, path := range []string{base + "/edit", base + "/sharing"} {
			if res := leon.Get(path); res.StatusCode != 403 {
				t.Errorf("viewer GET %s: %d", path, res.StatusCode)
			}
		}
		if res := leon.PostForm(base+"/edit", registration("Kim", "Changed", "coachee@harbour.example")); res.StatusCode != 403 {
			t.Errorf("viewer edits: %d", res.StatusCode)
		}
		if got := leon.Get("/dossiers/search?q=bak").Text("#quick-list"); !strings.Contains(got, "Kim Bakker") {
			t.Errorf("quick search of a shared dossier: %q", got)
		}
		// Leon's own administrator gains nothing.
		ada := app.Client(t)
		ada.SignIn("admin@kracht.example")
		if res := ada.Get(base); res.StatusCode != 404 {
			t.Errorf("the recipient's organisation opens the dossier: %d", res.StatusCode)
		}
		if strings.Contains(ada.Get("/dossiers").Body, "Bakker") {
			t.Error("the recipient's organisation lists the dossier")
		}
		// Raised to edit: Leon changes details.
		if res := coach.PostForm(base+"/sharing", url.Values{"email": {"leon@kracht.example"}, "level": {"edit"}}); res.StatusCode != 303 {
			t.Fatalf("raise: %d", res.StatusCode)
		}
		edit := leon.Get(base + "/edit")
		if edit.StatusCode != 200 {
			t.Fatalf("editor's form: %d", edit.StatusCode)
		}
		changed := registration("Kim", "Bakker", "coachee@harbour.example")
		changed.Set("birth_date", "tomorrow")
		if res := leon.PostForm(base+"/edit", changed); res.StatusCode != 422 || !strings.Contains(res.Text("#f-birth_date-error"), "date of birth") {
			t.Errorf("a bad edit: %d %q", res.StatusCode, res.Text("#f-birth_date-error"))
		}
		changed.Set("birth_date", "1988-03-14")
		changed.Set("department", "Customer care")
		if res := leon.PostForm(base+"/edit", changed); res.StatusCode != 303 {
			t.Fatalf("an edit: %d", res.StatusCode)
		}
		if got := coach.Get(base).Text("#details"); !strings.Contains(got, "Customer care") || !strings.Contains(got, "1988-03-14") {
			t.Errorf("the edited details: %q", got)
		}
		// Revoked: gone.
		sharing := coach.Get(base + "/sharing")
		action, _ := sharing.Doc.Find(`#share-list form[action*="/revoke"]`).Attr("action")
		if res := coach.PostForm(action, url.Values{}); res.StatusCode != 303 {
			t.Fatalf("revoke %q: %d", action, res.StatusCode)
		}
		if res := leon.Get(base); res.StatusCode != 404 {
			t.Errorf("after revoking: %d", res.StatusCode)
		}
		if strings.Contains(leon.Get("/dossiers").Body, "Bakker") {
			t.Error("the revoked dossier is still listed")
		}
		// Every step is in the audit log.
		events, err := app.Audit().InOrganisations(ctx, []int64{mustOrg(t, app, demo.Slug).ID}, audit.Filter{Area: "dossier", Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range events {
			seen[e.Action]++
		}
		if seen["dossier.shared"] != 2 || seen["dossier.share_revoked"] != 1 || seen["dossier.viewed"] != 2 || seen["dossier.details_changed"] != 1 { // viewed by Leon and by the coach
			t.Errorf("audit: %v", seen)
		}
	})
}

func mustOrg(t *testing.T, app *coretest.App, slug string) *tenancy.Organisation {
	t.Helper()
	org, err := app.Organisations().BySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// findDossier is the id of the demo dossier with a last name.
func findDossier(t *testing.T, app *coretest.App, family string) int64 {
	t.Helper()
	org := mustOrg(t, app, demo.Slug)
	p, err := app.Dossiers().List(context.Background(), dossier.Who{OrgID: org.ID, Can: access.Set{}.Add(access.DossiersViewAll)}, dossier.Query{Text: family})
	if err != nil || len(p.Rows) != 1 {
		t.Fatalf("dossier %s: %v %d", family, err, len(p.Rows))
	}
	return p.Rows[0].ID
}

// TestReadState shows a new trajectory with a red dot to everyone but its
// author, turns it green for one person when they mark it read, lets them
// make it new again, and counts what is new on the coach's start page.
func TestReadState(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		kim := findDossier(t, app, "Bakker")
		base := "/dossiers/" + strconv.FormatInt(kim, 10)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		page := coach.Get(base)
		dot := page.Doc.Find("#trajectories form.dot-form")
		if dot.Find(".dot-new").Length() != 1 || !strings.Contains(page.Text("#card-trajectories"), "1 new") {
			t.Fatalf("the coach's new trajectory: %q", page.Text("#trajectories"))
		}
		if got := coach.Get("/").Text("#my-dossiers"); !strings.Contains(got, "Kim Bakker1 new") && !strings.Contains(got, "Kim Bakker 1 new") {
			t.Errorf("the start page: %q", got)
		}
		ref := dot.Find("input[name=ref]").AttrOr("value", "")
		// The author (the employer contact) sees it read.
		hr := app.Client(t)
		hr.SignIn("hr@harbour.example")
		if hr.Get(base).Doc.Find("#trajectories .dot-read").Length() != 1 {
			t.Error("the author sees their own trajectory as new")
		}
		// Marking read with htmx answers the green dot alone.
		res := coach.PostForm(base+"/read", url.Values{"kind": {"trajectory"}, "ref": {ref}, "read": {"1"}}, "HX-Request", "true")
		if res.StatusCode != 200 || res.Doc.Find("button.dot-read").Length() != 1 || res.Doc.Find("h1").Length() != 0 {
			t.Fatalf("marking read: %d %q", res.StatusCode, res.Body)
		}
		if page := coach.Get(base); page.Doc.Find("#trajectories .dot-read").Length() != 1 || strings.Contains(page.Text("#card-trajectories"), "new") {
			t.Errorf("after reading: %q", page.Text("#trajectories"))
		}
		if got := coach.Get("/").Text("#my-dossiers"); strings.Contains(got, "1 new") {
			t.Errorf("the start page after reading: %q", got)
		}
		// Kim still sees it as new: marks are per person.
		kimClient := app.Client(t)
		kimClient.SignIn("coachee@harbour.example")
		if kimClient.Get(base).Doc.Find("#trajectories .dot-new").Length() != 1 {
			t.Error("one person's mark changed another's")
		}
		// New again.
		if res := coach.PostForm(base+"/read", url.Values{"kind": {"trajectory"}, "ref": {ref}, "read": {"0"}}); res.StatusCode != 303 {
			t.Fatalf("marking new: %d", res.StatusCode)
		}
		if coach.Get(base).Doc.Find("#trajectories .dot-new").Length() != 1 {
			t.Error("the item did not become new again")
		}
		// Items that are not this dossier's are not found.
		for _, bad := range []url.Values{{"kind": {"trajectory"}, "ref": {"999999"}, "read": {"1"}}, {"kind": {"<script>"}, "ref": {ref}, "read": {"1"}}, {}} {
			if res := coach.PostForm(base+"/read", bad); res.StatusCode != 404 {
				t.Errorf("mark %v: %d", bad, res.StatusCode)
			}
		}
	})
}

// TestCoacheeStartsInTheirDossier: a coachee's start page is their dossier.
func TestCoacheeStartsInTheirDossier(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	res := kim.Get("/")
	if res.StatusCode != 303 || res.Header.Get("Location") != "/dossiers/"+strconv.FormatInt(findDossier(t, app, "Bakker"), 10) {
		t.Fatalf("the coachee's start: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if page := kim.Get(res.Header.Get("Location")); page.StatusCode != 200 || page.Text("h1") != "Kim Bakker" || page.Text("#dossier-level") != "Contribute" {
		t.Errorf("the coachee's dossier: %d %q %q", page.StatusCode, page.Text("h1"), page.Text("#dossier-level"))
	}
	// Coaches keep the dashboard.
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	if res := coach.Get("/"); res.StatusCode != 200 || res.Doc.Find("#my-dossiers li").Length() != 4 {
		t.Errorf("the coach's start page: %d, %d dossiers", res.StatusCode, res.Doc.Find("#my-dossiers li").Length())
	}
}

// TestSharingWithAnAddressWithoutAccount: sharing with an address nobody
// uses makes an account of no organisation and mails the invitation; once
// the person has set up their sign-in, they start at the list and open the
// dossier at the granted level, and nothing else.
func TestSharingWithAnAddressWithoutAccount(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim := findDossier(t, app, "Bakker")
		base := "/dossiers/" + strconv.FormatInt(kim, 10)
		if res := coach.PostForm(base+"/sharing", url.Values{"email": {"not an address"}, "level": {"view"}}); res.StatusCode != 422 || res.Text("#f-email-error") == "" {
			t.Fatalf("a bad address: %d %q", res.StatusCode, res.Text("#f-email-error"))
		}
		if res := coach.PostForm(base+"/sharing", url.Values{"email": {"Mira@Elsewhere.example"}, "level": {"contribute"}}); res.StatusCode != 303 {
			t.Fatalf("share: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		mails, _ := app.Mailer().Recent(ctx, 5)
		if len(mails) == 0 || mails[0].Recipient != "mira@elsewhere.example" {
			t.Fatalf("no invitation for the new address: %+v", mails)
		}
		link := regexp.MustCompile(`/invitation/[A-Za-z0-9_-]+`).FindString(mails[0].Text)
		mira, err := app.Identity().AcceptInvitation(ctx, strings.TrimPrefix(link, "/invitation/"), "Lantern-Quay-Bollard-77", "Lantern-Quay-Bollard-77", true, "10.0.0.2")
		if err != nil {
			t.Fatalf("accept %q: %v", link, err)
		}
		enrol, err := app.Identity().StartEnrolment(ctx, mira, "Atrium")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Identity().CompleteEnrolment(ctx, mira, identity.CodeAt(enrol.Secret, time.Now().Add(-30*time.Second)), "10.0.0.2"); err != nil {
			t.Fatal(err)
		}
		if ms, _ := app.Organisations().Memberships(ctx, mira.ID); len(ms) != 0 {
			t.Errorf("the recipient was made a member of %d organisations", len(ms))
		}
		c := app.Client(t)
		c.Get("/signin")
		if res := c.PostForm("/signin", url.Values{"email": {"mira@elsewhere.example"}, "password": {"Lantern-Quay-Bollard-77"}}); res.StatusCode != 303 {
			t.Fatalf("sign in: %d", res.StatusCode)
		}
		if res := c.PostForm("/signin/code", url.Values{"code": {identity.CodeAt(enrol.Secret, time.Now())}}); res.StatusCode != 303 {
			t.Fatalf("code: %d %s", res.StatusCode, res.Text(".field-error"))
		}
		if res := c.Get("/"); res.StatusCode != 303 || res.Header.Get("Location") != "/dossiers" {
			t.Errorf("the recipient's start: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if got := c.Get("/dossiers").Text("#shared-dossiers"); !strings.Contains(got, "Kim Bakker") {
			t.Errorf("shared with Mira: %q", got)
		}
		if page := c.Get(base); page.StatusCode != 200 || page.Text("#dossier-level") != "Contribute" {
			t.Errorf("Mira opens the dossier: %d %q", page.StatusCode, page.Text("#dossier-level"))
		}
		if res := c.Get("/dossiers/" + strconv.FormatInt(findDossier(t, app, "Mulder"), 10)); res.StatusCode != 404 {
			t.Errorf("Mira opens another dossier: %d", res.StatusCode)
		}
		if res := c.Get("/people"); res.StatusCode != 403 {
			t.Errorf("Mira reaches the people of the organisation: %d", res.StatusCode)
		}
	})
}

// TestCoCoaches: the coach adds a colleague as co-coach (who can then edit
// the dossier) and removes them again; a coachee cannot be made co-coach.
func TestCoCoaches(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		if _, _, err := app.Identity().Seed(ctx, mustOrg(t, app, demo.Slug), identity.Invitee{Email: "cas@harbour.example", GivenName: "Cas", FamilyName: "Mede", Role: access.RoleCoach}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		base := "/dossiers/" + strconv.FormatInt(findDossier(t, app, "Bakker"), 10)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		cas := app.Client(t)
		cas.SignIn("cas@harbour.example")
		if res := cas.Get(base); res.StatusCode != 404 {
			t.Fatalf("before: %d", res.StatusCode)
		}
		casID := strconv.FormatInt(userID(t, app, "cas@harbour.example"), 10)
		kimID := strconv.FormatInt(userID(t, app, "coachee@harbour.example"), 10)
		for _, bad := range []string{"", "999999", kimID} {
			if res := coach.PostForm(base+"/co-coaches", url.Values{"co_coach": {bad}}); res.StatusCode != 422 {
				t.Errorf("co-coach %q: %d", bad, res.StatusCode)
			}
		}
		if res := coach.PostForm(base+"/co-coaches", url.Values{"co_coach": {casID}}); res.StatusCode != 303 {
			t.Fatalf("add: %d", res.StatusCode)
		}
		if page := cas.Get(base); page.StatusCode != 200 || page.Text("#dossier-level") != "Edit" {
			t.Errorf("the co-coach: %d %q", page.StatusCode, page.Text("#dossier-level"))
		}
		if res := coach.PostForm(base+"/co-coaches/"+casID+"/remove", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("remove: %d", res.StatusCode)
		}
		if res := cas.Get(base); res.StatusCode != 404 {
			t.Errorf("after removal: %d", res.StatusCode)
		}
	})
}

// TestClosingATrajectory: a classification that is too long is refused and
// the trajectory stays open; closing shows it closed with its
// classification; another or an already closed trajectory is a 404.
func TestClosingATrajectory(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		kim := findDossier(t, app, "Bakker")
		base := "/dossiers/" + strconv.FormatInt(kim, 10)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		closing, _ := coach.Get(base).Doc.Find(`#trajectories form[action$="/close"]`).Attr("action")
		if closing == "" {
			t.Fatal("no close form for the running trajectory")
		}
		res := coach.PostForm(closing, url.Values{"classification": {strings.Repeat("x", 121)}})
		if page := coach.Get(res.Header.Get("Location")); res.StatusCode != 303 || !strings.Contains(page.Text(".flash-error"), "too long") || !strings.Contains(page.Text("#trajectories"), "Running") {
			t.Errorf("a long classification: %d %q", res.StatusCode, page.Text("#trajectories"))
		}
		if res := coach.PostForm(base+"/trajectories/999999/close", url.Values{}); res.StatusCode != 404 {
			t.Errorf("another trajectory: %d", res.StatusCode)
		}
		if res := coach.PostForm(closing, url.Values{"classification": {"Goals reached"}}); res.StatusCode != 303 {
			t.Fatalf("close: %d", res.StatusCode)
		}
		if got := coach.Get(base).Text("#trajectories"); !strings.Contains(got, "Closed") || !strings.Contains(got, "Goals reached") {
			t.Errorf("the closed trajectory: %q", got)
		}
		if res := coach.PostForm(closing, url.Values{}); res.StatusCode != 404 {
			t.Errorf("closing twice: %d", res.StatusCode)
		}
	})
}
