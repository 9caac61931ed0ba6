package dossiers_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
)

// TestBrowserDossierStory walks the story in Chromium: an employer
// contact registers an employee and starts a trajectory, the invitation
// arrives at a real SMTP server, the coach finds the dossier by typing three
// letters, a dossier shared with a coach of another organisation appears
// under "Shared with me" at exactly the granted level and disappears when
// revoked, and a team member's visibility reaches the other member.
func TestBrowserDossierStory(t *testing.T) {
	t.Parallel()
	mail := coretest.SMTP(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: mail.Configure})
	ctx := context.Background()
	otherOrganisation(t, app, "kracht", "leon@kracht.example", access.RoleCoach)
	if _, _, err := app.Identity().Seed(ctx, mustOrg(t, app, demo.Slug), identity.Invitee{Email: "sanne.mulder@harbour.example", GivenName: "Sanne", FamilyName: "Mulder", Role: access.RoleCoachee}, demo.Password, demo.TOTPSecret); err != nil {
		t.Fatal(err)
	}
	b := coretest.Browser(t)
	codes := app.Client(t)
	as := func(email string) {
		t.Helper()
		coretest.BrowserSignIn(t, b, app.URL, email, demo.Password, codes.FreshCode(email))
	}
	text := func(selector string) string { return coretest.Text(t, b, selector) }

	// 1. The employer contact registers Lotte and starts her trajectory.
	as("hr@harbour.example")
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/dossiers/new"), chromedp.WaitVisible("#f-family_name"),
		chromedp.SendKeys("#f-family_name", "Jacobs"), chromedp.SendKeys("#f-given_name", "Lotte"), chromedp.SendKeys("#f-initials", "L."),
		chromedp.SetValue("#f-gender", "female"), chromedp.SetValue("#f-birth_date", "1991-02-03"),
		chromedp.SendKeys("#f-email", "lotte@example.org"), chromedp.SendKeys("#f-department", "Warehouse"))
	coretest.SubmitAndWait(t, b, `.dossier-form button[type=submit]`, `document.querySelector("h1").textContent === "Lotte Jacobs"`)
	// Links are boosted: the page is swapped, not reloaded.
	coretest.Step(t, b, chromedp.Click(`a[href$="/trajectories/new"]`))
	coretest.Wait(t, b, `document.querySelector("#f-product") !== null`)
	if got := text("main"); !strings.Contains(got, "lotte@example.org receives an invitation") {
		t.Errorf("the start form does not say who is invited: %q", got)
	}
	product, err := chromedp.Run(b, chromedp.Evaluate[string](`[...document.querySelectorAll("#f-product option")].find(o => o.textContent.includes("4 sessions")).value`))
	if err != nil {
		t.Fatal(err)
	}
	coretest.Step(t, b, chromedp.SetValue("#f-product", product))
	coretest.SubmitAndWait(t, b, `main form button[type=submit]`, `document.querySelector("#dossier-status") && document.querySelector("#dossier-status").textContent === "Active"`)
	if got := text("#trajectories"); !strings.Contains(got, "Individual coaching (4 sessions)") {
		t.Errorf("trajectories: %q", got)
	}
	invitation := mail.WaitFor("lotte@example.org")
	if link := invitation.Link("/invitation/"); !strings.Contains(link, "/invitation/") {
		t.Errorf("the invitation mail has no link: %q", invitation.Part("text/plain"))
	}
	coretest.BrowserSignOut(t, b)

	// The administrator gives Lotte a coach (outside the browser: the
	// sharing page is walked below).
	lotte := findDossier(t, app, "Jacobs")
	admin := dossier.Who{UserID: userID(t, app, "admin@harbour.example"), OrgID: mustOrg(t, app, demo.Slug).ID, Can: access.Set{}.Add(access.DossiersManage)}
	if err := app.Dossiers().SetCoach(ctx, admin, lotte, userID(t, app, "coach@harbour.example"), ""); err != nil {
		t.Fatal(err)
	}

	// 2. The coach types three letters on the start page and opens her dossier.
	as("coach@harbour.example")
	coretest.Step(t, b, chromedp.SendKeys("#quick-q", "jac"))
	coretest.Wait(t, b, `document.querySelector("#quick-list") !== null && document.querySelector("#quick-list").textContent.includes("Lotte Jacobs")`)
	coretest.Step(t, b, chromedp.Click(`#quick-list a`))
	coretest.Wait(t, b, `document.querySelector("h1").textContent === "Lotte Jacobs"`)
	// Her trajectory is new to the coach: the red dot turns green in place.
	coretest.Step(t, b, chromedp.Click(`#trajectories .dot-new`))
	coretest.Wait(t, b, `document.querySelector("#trajectories .dot-read") !== null && document.querySelector("h1").textContent === "Lotte Jacobs"`)
	// The list's name filter narrows the table as one types.
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/dossiers"), chromedp.WaitVisible("#f-q"), chromedp.SendKeys("#f-q", "bak"))
	coretest.Wait(t, b, `document.querySelector("#own-dossiers tbody").textContent.includes("Kim Bakker") && !document.querySelector("#own-dossiers tbody").textContent.includes("Jacobs") && document.querySelector("h1") !== null`)

	// 3. The coach shares Kim's dossier with Leon of another organisation,
	// listed by the address typed (his name is his own).
	kim := findDossier(t, app, "Bakker")
	base := app.URL + "/dossiers/" + itoa(kim)
	coretest.Step(t, b, chromedp.Navigate(base+"/sharing"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", "leon@kracht.example"), chromedp.Click(`input[name=level][value=contribute]`))
	coretest.SubmitAndWait(t, b, `main form[action$="/sharing"] button[type=submit]`, `document.querySelector("#share-list").textContent.includes("leon@kracht.example")`)
	coretest.BrowserSignOut(t, b)

	as("leon@kracht.example")
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/dossiers"))
	coretest.Wait(t, b, `document.querySelector("#shared-dossiers") !== null && document.querySelector("#shared-dossiers").textContent.includes("Kim Bakker")`)
	coretest.Step(t, b, chromedp.Click(`#shared-dossiers a`))
	coretest.Wait(t, b, `document.querySelector("#dossier-level") !== null`)
	if got := strings.TrimSpace(text("#dossier-level")); got != "Contribute" {
		t.Errorf("Leon's level: %q, want Contribute", got)
	}
	coretest.BrowserSignOut(t, b)

	as("coach@harbour.example")
	coretest.Step(t, b, chromedp.Navigate(base+"/sharing"), chromedp.WaitVisible("#share-list"))
	coretest.SubmitAndWait(t, b, `#share-list form[action*="/revoke"] button`, `!document.querySelector("#share-list").textContent.includes("leon@kracht.example")`)

	// 4. A team of Kim and Sanne.
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/teams"), chromedp.WaitVisible("#f-name"), chromedp.SendKeys("#f-name", "Pilot team"))
	coretest.SubmitAndWait(t, b, `main form[action="/teams"] button`, `document.querySelector(".team") !== null`)
	sanne := findDossier(t, app, "Mulder")
	coach := dossier.Who{UserID: userID(t, app, "coach@harbour.example"), OrgID: admin.OrgID, Can: access.Set{}.Add(access.TeamsManage, access.TrajectoriesStart)}
	lineage := []int64{admin.OrgID}
	products, _ := app.Dossiers().Products(ctx, lineage, false)
	if _, err := app.Dossiers().StartTrajectory(ctx, coach, sanne, lineage, dossier.Start{ProductID: itoa(products[0].ID), StartDate: "2026-12-01"}, ""); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{kim, sanne} {
		coretest.Step(t, b, chromedp.Navigate(app.URL+"/teams"), chromedp.WaitVisible(`form[action$="/members"] select`), chromedp.SetValue(`form[action$="/members"] select`, itoa(id)))
		coretest.SubmitAndWait(t, b, `form[action$="/members"] button`, `document.querySelector(".flash-success") !== null`)
	}
	coretest.BrowserSignOut(t, b)

	as("sanne.mulder@harbour.example")
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/teams"))
	coretest.Wait(t, b, `document.querySelector(".team-members") !== null`)
	if got := text(".team-members"); strings.Contains(got, "Kim") {
		t.Fatalf("Sanne sees Kim before she shows herself: %q", got)
	}
	coretest.BrowserSignOut(t, b)

	as("coachee@harbour.example")
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/teams"), chromedp.WaitVisible(`form[action$="/visibility"] button`))
	coretest.SubmitAndWait(t, b, `form[action$="/visibility"] button`, `document.querySelector(".team").textContent.includes("The other members see")`)
	coretest.BrowserSignOut(t, b)

	as("sanne.mulder@harbour.example")
	coretest.Step(t, b, chromedp.Navigate(app.URL+"/teams"))
	coretest.Wait(t, b, `document.querySelector(".team-members") !== null && document.querySelector(".team-members").textContent.includes("Kim Bakker")`)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
