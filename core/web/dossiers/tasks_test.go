package dossiers_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

// TestExtensionRequestIsHandled: the coach asks to extend a trajectory, the
// request waits in the employer contact's task list (counted in the
// navigation), a decline needs a comment, and a handled task leaves the list.
func TestExtensionRequestIsHandled(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		kim := findDossier(t, app, "Bakker")
		base := "/dossiers/" + strconv.FormatInt(kim, 10)
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		for _, bad := range []url.Values{{"kind": {"launch-missiles"}}, {"kind": {"request"}, "note": {""}}, {"kind": {"extend"}, "note": {strings.Repeat("x", 2001)}}} {
			res := coach.PostForm(base+"/tasks", bad)
			if res.StatusCode != 303 || !strings.Contains(coach.Get(base).Text(".flash-error"), "could not be filed") {
				t.Errorf("bad request %v: %d", bad, res.StatusCode)
			}
		}
		if res := coach.PostForm(base+"/tasks", url.Values{"kind": {"extend"}, "note": {"Two more sessions would help."}}); res.StatusCode != 303 {
			t.Fatalf("request: %d", res.StatusCode)
		}
		// The coach cannot handle tasks; the coachee cannot ask.
		if res := coach.Get("/tasks"); res.StatusCode != 403 {
			t.Errorf("the coach opens the task list: %d", res.StatusCode)
		}
		kimClient := app.Client(t)
		kimClient.SignIn("coachee@harbour.example")
		if res := kimClient.PostForm(base+"/tasks", url.Values{"kind": {"extend"}}); res.StatusCode != 403 {
			t.Errorf("the coachee files a task: %d", res.StatusCode)
		}

		hr := app.Client(t)
		hr.SignIn("hr@harbour.example")
		list := hr.Get("/tasks")
		if got := list.Text("#task-list"); !strings.Contains(got, "Kim Bakker") || !strings.Contains(got, "Two more sessions") || !strings.Contains(got, "Chris Jansen") {
			t.Fatalf("task list: %q", got)
		}
		// The badge reads as open tasks, not as something unread.
		if got := strings.Join(strings.Fields(list.Text(`#nav a[href="/tasks"] .badge`)), " "); got != "1 open" {
			t.Errorf("navigation badge: %q", got)
		}
		action, _ := list.Doc.Find("#task-list form").Attr("action")
		// Declining without a comment is refused and changes nothing.
		res := hr.PostForm(action, url.Values{"decision": {"declined"}, "comment": {" "}})
		if res.StatusCode != 422 || !strings.Contains(res.Text(".field-error"), "Say why") {
			t.Fatalf("decline without comment: %d %q", res.StatusCode, res.Text(".field-error"))
		}
		if res := hr.PostForm(action, url.Values{"decision": {"maybe"}}); res.StatusCode != 422 {
			t.Errorf("unknown decision: %d", res.StatusCode)
		}
		if res := hr.PostForm(action, url.Values{"decision": {"done"}, "comment": {"Approved for two sessions."}}); res.StatusCode != 303 {
			t.Fatalf("done: %d", res.StatusCode)
		}
		if hr.Get("/tasks").Doc.Find("#task-list").Length() != 0 {
			t.Error("the handled task is still open")
		}
		if got := hr.Get("/tasks?status=done").Text("#task-list"); !strings.Contains(got, "Approved for two sessions.") {
			t.Errorf("done tab: %q", got)
		}
		// Handling it again: told, not changed.
		if res := hr.PostForm(action, url.Values{"decision": {"declined"}, "comment": {"No"}}); res.StatusCode != 422 || !strings.Contains(res.Text("#tasks-problem"), "just handled") {
			t.Errorf("handled twice: %d %q", res.StatusCode, res.Text("#tasks-problem"))
		}
		if got := coach.Get(base).Text("#tasks"); !strings.Contains(got, "Done") || !strings.Contains(got, "Approved") {
			t.Errorf("the dossier's task card: %q", got)
		}
		// Another organisation's task cannot be reached.
		if res := hr.PostForm("/tasks/999999", url.Values{"decision": {"done"}}); res.StatusCode != 404 {
			t.Errorf("unknown task: %d", res.StatusCode)
		}
	})
}

// TestTeamVisibility: a coach makes a team and adds two coachees, who are
// told; each is hidden from the other until they choose to be seen.
func TestTeamVisibility(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		hr := app.Client(t)
		hr.SignIn("hr@harbour.example")
		// Sanne has an account of her own (as if she accepted an
		// invitation); starting her trajectory links her dossier to it.
		if _, _, err := app.Identity().Seed(ctx, mustOrg(t, app, demo.Slug), identity.Invitee{Email: "sanne.mulder@harbour.example", GivenName: "Sanne", FamilyName: "Mulder", Role: access.RoleCoachee}, demo.Password, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		sanne := findDossier(t, app, "Mulder")
		start := "/dossiers/" + strconv.FormatInt(sanne, 10) + "/trajectories/new"
		product := hr.Get(start).Doc.Find(`#f-product option:contains("Extension")`).AttrOr("value", "")
		if res := hr.PostForm(start, url.Values{"product": {product}, "start_date": {"2026-12-01"}}); res.StatusCode != 303 {
			t.Fatalf("start: %d", res.StatusCode)
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		if res := coach.PostForm("/teams", url.Values{"name": {" "}}); res.StatusCode != 422 {
			t.Errorf("nameless team: %d", res.StatusCode)
		}
		if res := coach.PostForm("/teams", url.Values{"name": {"Pilot team"}}); res.StatusCode != 303 {
			t.Fatalf("create: %d", res.StatusCode)
		}
		page := coach.Get("/teams")
		action, _ := page.Doc.Find(`form[action$="/members"]`).Attr("action")
		options := page.Doc.Find(`form[action$="/members"] option`)
		if options.Length() != 2 {
			t.Fatalf("the coach may add %d dossiers, want Kim and Sanne (the others have no account)", options.Length())
		}
		for _, id := range []int64{findDossier(t, app, "Bakker"), sanne} {
			if res := coach.PostForm(action, url.Values{"dossier": {strconv.FormatInt(id, 10)}}); res.StatusCode != 303 {
				t.Fatalf("add %d: %d", id, res.StatusCode)
			}
		}
		if res := coach.PostForm(action, url.Values{"dossier": {strconv.FormatInt(findDossier(t, app, "Smit"), 10)}}); res.StatusCode != 422 {
			t.Errorf("a dossier without an account joined: %d", res.StatusCode)
		}
		if got := coach.Get("/teams").Text(".team-members"); !strings.Contains(got, "Kim Bakker") || !strings.Contains(got, "Sanne Mulder") {
			t.Errorf("the coach sees %q", got)
		}
		// Both were told, by a notice (the mail never says more).
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		if got := kim.Get("/notices").Text("#notices"); !strings.Contains(got, "added to a team") {
			t.Errorf("Kim's notices: %q", got)
		}
		sanneClient := app.Client(t)
		sanneClient.SignIn("sanne.mulder@harbour.example")
		members := func(c *coretest.Client) string { return c.Get("/teams").Text(".team-members") }
		if got := members(sanneClient); strings.Contains(got, "Kim") || !strings.Contains(got, "Sanne") {
			t.Fatalf("Sanne sees %q before Kim shows herself", got)
		}
		show, _ := kim.Get("/teams").Doc.Find(`form[action$="/visibility"]`).Attr("action")
		if res := kim.PostForm(show, url.Values{"visible": {"1"}}); res.StatusCode != 303 {
			t.Fatalf("show: %d", res.StatusCode)
		}
		if got := members(sanneClient); !strings.Contains(got, "Kim Bakker") {
			t.Errorf("Sanne does not see Kim after she showed herself: %q", got)
		}
		if res := kim.PostForm(show, url.Values{"visible": {"0"}}); res.StatusCode != 303 {
			t.Fatalf("hide: %d", res.StatusCode)
		}
		if got := members(sanneClient); strings.Contains(got, "Kim") {
			t.Errorf("Sanne still sees Kim: %q", got)
		}
		// The coach's list filters by team.
		team := page.Doc.Find(`form[action$="/members"]`).AttrOr("action", "")
		team = strings.TrimSuffix(strings.TrimPrefix(team, "/teams/"), "/members")
		if got := coach.Get("/dossiers?team=" + team).Text("#own-dossiers tbody"); !strings.Contains(got, "Kim Bakker") || !strings.Contains(got, "Sanne Mulder") || strings.Contains(got, "Smit") {
			t.Errorf("the team filter: %q", got)
		}
		// Someone outside the team cannot switch anything in it.
		hrVis := hr.PostForm(show, url.Values{"visible": {"1"}})
		if hrVis.StatusCode != 404 {
			t.Errorf("a non-member's visibility: %d", hrVis.StatusCode)
		}
	})
}

// TestMentionsNotify: "@name" in a request's note tells that member of the
// dossier, by a notice that never carries the text. (The request is for the
// person: a staff-only one tells them nothing, see TestStaffOnlyTasks.)
func TestMentionsNotify(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		kim := findDossier(t, app, "Bakker")
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		note := "@kim could you list three moments? Secret detail inside. @nobody"
		if res := coach.PostForm("/dossiers/"+strconv.FormatInt(kim, 10)+"/tasks", url.Values{"kind": {"request"}, "note": {note}, "for_person": {"1"}}); res.StatusCode != 303 {
			t.Fatalf("request: %d", res.StatusCode)
		}
		kimClient := app.Client(t)
		kimClient.SignIn("coachee@harbour.example")
		got := kimClient.Get("/notices").Text("#notices")
		if !strings.Contains(got, "mentioned in a dossier") || strings.Contains(got, "Secret detail") {
			t.Errorf("Kim's notices: %q", got)
		}
		// Nobody else was told: the coach (the author) has no such notice.
		if got := coach.Get("/notices").Text("#notices"); strings.Contains(got, "mentioned") {
			t.Errorf("the author was told: %q", got)
		}
	})
}

// TestProductsOffered: an administrator adds a trajectory to the offer (bad
// input refused), stops offering it (it leaves the start form) and offers
// it again; a coach cannot change the offer.
func TestProductsOffered(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		for _, bad := range []url.Values{{"name": {""}, "sessions": {"3"}}, {"name": {"Team day"}, "sessions": {"0"}}, {"name": {"Team day"}, "sessions": {"many"}}} {
			if res := admin.PostForm("/products", bad); res.StatusCode != 422 {
				t.Errorf("product %v: %d", bad, res.StatusCode)
			}
		}
		if res := admin.PostForm("/products", url.Values{"name": {"Team day"}, "sessions": {"1"}}); res.StatusCode != 303 {
			t.Fatalf("add: %d", res.StatusCode)
		}
		start := "/dossiers/" + strconv.FormatInt(findDossier(t, app, "Smit"), 10) + "/trajectories/new"
		if !strings.Contains(admin.Get(start).Text("#f-product"), "Team day") {
			t.Error("the new product is not offered")
		}
		form := admin.Get("/products").Doc.Find(`#products tr:contains("Team day") form`)
		withdraw := url.Values{}
		form.Find("input").Each(func(_ int, s *goquery.Selection) { withdraw.Set(s.AttrOr("name", ""), s.AttrOr("value", "")) })
		if res := admin.PostForm("/products", withdraw); res.StatusCode != 303 {
			t.Fatalf("withdraw: %d", res.StatusCode)
		}
		if strings.Contains(admin.Get(start).Text("#f-product"), "Team day") {
			t.Error("a withdrawn product is still offered")
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		if res := coach.PostForm("/products", url.Values{"name": {"Mine"}, "sessions": {"2"}}); res.StatusCode != 403 {
			t.Errorf("a coach changes the offer: %d", res.StatusCode)
		}
		if res := admin.PostForm("/products", url.Values{"id": {"999999"}, "name": {"X"}, "sessions": {"2"}}); res.StatusCode != 404 {
			t.Errorf("another organisation's product: %d", res.StatusCode)
		}
	})
}
