package dossiers_test

import (
	"context"
	"net/http"
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
)

// TestDossierRoutesByLevel walks every route under /dossiers/:id for every
// way a person can stand to a dossier: its subject, the employer contact
// who sees all, a co-coach, the coach, an administrator, an unrelated coach
// of the same organisation, another organisation's administrator, and a
// person of another organisation it is shared with. Those who may not open
// the dossier get 404 (as for one that does not exist), those below the
// route's level 403, the others their page or their form's answer.
func TestDossierRoutesByLevel(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 1_000_000 }})
		ctx := context.Background()
		org := mustOrg(t, app, demo.Slug)
		for _, p := range []identity.Invitee{
			{Email: "cocoach@harbour.example", GivenName: "Cas", FamilyName: "Mede", Role: access.RoleCoach},
			{Email: "colleague@harbour.example", GivenName: "Cor", FamilyName: "Ander", Role: access.RoleCoach},
		} {
			if _, _, err := app.Identity().Seed(ctx, org, p, demo.Password, demo.TOTPSecret); err != nil {
				t.Fatal(err)
			}
		}
		otherOrganisation(t, app, "kracht", "viewer@kracht.example", access.RoleCoach)
		for _, p := range []identity.Invitee{
			{Email: "admin@kracht.example", GivenName: "Ada", FamilyName: "K", Role: access.RoleAdmin},
			{Email: "revoked@kracht.example", GivenName: "Rik", FamilyName: "K", Role: access.RoleCoach}, // whose share the revoke route ends
		} {
			if _, _, err := app.Identity().Seed(ctx, mustOrg(t, app, "kracht"), p, demo.Password, demo.TOTPSecret); err != nil {
				t.Fatal(err)
			}
		}
		kim := findDossier(t, app, "Bakker")
		admin := dossier.Who{UserID: userID(t, app, "admin@harbour.example"), OrgID: org.ID, Can: access.Set{}.Add(access.DossiersManage)}
		if err := app.Dossiers().AddCoCoach(ctx, admin, kim, userID(t, app, "cocoach@harbour.example"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Dossiers().ShareWith(ctx, admin, kim, "viewer@kracht.example", dossier.View, ""); err != nil {
			t.Fatal(err)
		}
		trajectories, _ := app.Dossiers().Trajectories(ctx, kim)
		coachID := userID(t, app, "coach@harbour.example")
		// A task marked for the person, so that everyone who may open the
		// dossier may open it (tasks between staff: TestStaffOnlyTasks).
		task, err := app.Dossiers().Request(ctx, admin, kim, dossier.TaskRequest{Kind: dossier.TaskExtend, ForPerson: true}, "")
		if err != nil {
			t.Fatal(err)
		}

		actors := []struct {
			email string
			level dossier.Level
			start bool // may start trajectories here
		}{
			{"coachee@harbour.example", dossier.Contribute, false},
			{"hr@harbour.example", dossier.View, true},
			{"cocoach@harbour.example", dossier.Edit, true},
			{"coach@harbour.example", dossier.Manage, true},
			{"admin@harbour.example", dossier.Manage, true},
			{"colleague@harbour.example", dossier.None, true},
			{"admin@kracht.example", dossier.None, false},
			{"viewer@kracht.example", dossier.View, false},
		}
		// need is each route's level; forms are what its POST sends.
		need := map[string]dossier.Level{
			"/dossiers/:id": dossier.View, "/dossiers/:id/edit": dossier.Edit, "/dossiers/:id/trajectories/new": dossier.View,
			"/dossiers/:id/trajectories/:tid/close": dossier.Edit, "/dossiers/:id/sharing": dossier.Manage,
			"/dossiers/:id/shares/:sid/revoke": dossier.Manage, "/dossiers/:id/coach": dossier.Manage,
			"/dossiers/:id/members/:uid/photo": dossier.View, "/dossiers/:id/read": dossier.View,
			"/dossiers/:id/tasks": dossier.Edit, "/dossiers/:id/tasks/:task": dossier.View, "/dossiers/:id/co-coaches": dossier.Manage, "/dossiers/:id/co-coaches/:uid/remove": dossier.Manage,
		}
		var routes int
		for _, a := range actors {
			c := app.Client(t)
			c.SignIn(a.email)
			for _, r := range app.Web().Routes() {
				if !strings.HasPrefix(r.Path, "/dossiers/:id") {
					continue
				}
				want, ok := need[r.Path]
				if !ok {
					t.Fatalf("%s %s is not in the table: add its level", r.Method, r.Path)
				}
				routes++
				// Each request starts from the same dossier: an open
				// trajectory, a share to revoke, the same coach.
				if _, err := app.DB().NewUpdate().Table("trajectories").Set("status = ?", dossier.TrajectoryRunning).Where("id = ?", trajectories[0].ID).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				share, err := app.Dossiers().ShareWith(ctx, admin, kim, "revoked@kracht.example", dossier.View, "")
				if err != nil {
					t.Fatal(err)
				}
				path := strings.NewReplacer(":id", strconv.FormatInt(kim, 10), ":tid", strconv.FormatInt(trajectories[0].ID, 10),
					":sid", strconv.FormatInt(shareID(t, app, kim, share.UserID), 10), ":uid", strconv.FormatInt(coachID, 10), ":task", strconv.FormatInt(task.ID, 10)).Replace(r.Path)
				var res *coretest.Response
				if r.Method == http.MethodGet {
					res = c.Get(path)
				} else {
					res = c.PostForm(path, url.Values{"coach": {strconv.FormatInt(coachID, 10)},
						"kind": {dossier.KindTrajectory}, "note": {"Two more sessions"}, "ref": {strconv.FormatInt(trajectories[0].ID, 10)}, "read": {"1"}})
				}
				// Whether the route revoked it or not, Rik's share goes.
				if _, err := app.DB().NewDelete().Table("dossier_shares").Where("dossier_id = ? AND user_id = ?", kim, share.UserID).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				allowed := a.level >= want && (!strings.Contains(r.Path, "/trajectories/new") || a.start)
				switch {
				case a.level == dossier.None && res.StatusCode != 404:
					t.Errorf("%s (no access) %s %s: %d, want 404", a.email, r.Method, path, res.StatusCode)
				case a.level != dossier.None && !allowed && res.StatusCode != 403:
					t.Errorf("%s (%s) %s %s: %d, want 403", a.email, a.level, r.Method, path, res.StatusCode)
				case allowed && r.Method == http.MethodGet && res.StatusCode != 200 && !strings.HasSuffix(r.Path, "/photo"):
					t.Errorf("%s (%s) %s %s: %d, want 200", a.email, a.level, r.Method, path, res.StatusCode)
				case allowed && r.Method == http.MethodPost && res.StatusCode != 303 && res.StatusCode != 422:
					t.Errorf("%s (%s) %s %s: %d, want an answer to the form", a.email, a.level, r.Method, path, res.StatusCode)
				}
			}
		}
		if routes < 8*len(actors) {
			t.Fatalf("walked %d requests; the dossier routes are missing", routes)
		}
		// Kim's dossier is still whole.
		d, _, err := app.Dossiers().Open(ctx, admin, kim)
		if err != nil || d.FamilyName != "Bakker" || d.CoachID == nil || *d.CoachID != coachID {
			t.Errorf("the dossier changed: %v %+v", err, d)
		}
	})
}

func userID(t *testing.T, app *coretest.App, email string) int64 {
	t.Helper()
	u, err := app.Identity().ByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func shareID(t *testing.T, app *coretest.App, dossierID, userID int64) int64 {
	t.Helper()
	var id int64
	if err := app.DB().NewSelect().Table("dossier_shares").Column("id").Where("dossier_id = ? AND user_id = ?", dossierID, userID).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}
