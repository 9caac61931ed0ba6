package privacy_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/privacy"
	"github.com/atriumhq/atrium/core/readstate"
	"github.com/atriumhq/atrium/core/tenancy"
)

const retention = 30 * 24 * time.Hour

// TestEraseRefusals: erasure is refused, changing nothing, for someone
// who is not a member, whose account is not the organisation's alone, or
// whose records the retention rule still keeps; a retention of 0 keeps
// nothing.
func TestEraseRefusals(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		ids := app.Identity()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		north := app.Organisation(t, "north", "North Care")
		admin, _ := ids.ByEmail(ctx, "admin@harbour.example") // the operator
		kim, _ := ids.ByEmail(ctx, "coachee@harbour.example")
		hr, _ := ids.ByEmail(ctx, "hr@harbour.example")
		stranger := app.Person(t, north, "stranger@north.example", access.RoleCoachee)
		both := app.Person(t, north, "both@north.example", access.RoleCoachee)
		if err := tenancy.AddMember(ctx, app.DB(), harbour.ID, both.ID, access.RoleCoachee); err != nil {
			t.Fatal(err)
		}
		// Eva has a trajectory running; Kim's first has ended today and her
		// second runs.
		eva := startTrajectory(t, app, harbour.ID, hr.Email)
		coach, _ := ids.ByEmail(ctx, "coach@harbour.example")
		kims := app.DossierOf(t, kim.Email)
		first, err := app.Dossiers().Trajectories(ctx, kims)
		if err != nil || len(first) != 1 {
			t.Fatalf("Kim's trajectories: %v %v", first, err)
		}
		coachWho := dossier.Who{UserID: coach.ID, OrgID: harbour.ID, Can: access.Set{}.Add(app.Access().BuiltInPermissions(access.RoleCoach)...)}
		if err := app.Dossiers().CloseTrajectory(ctx, coachWho, kims, first[0].ID, "done", ""); err != nil {
			t.Fatal(err)
		}
		start(t, app, harbour.ID, kims)

		// Long after the first trajectory's records may go.
		now := time.Now().UTC().Truncate(time.Second).Add(2 * retention)
		kept := privacy.NewService(app.DB(), retention, privacy.Deps{})
		kept.Now = func() time.Time { return now }
		free := privacy.NewService(app.DB(), 0, privacy.Deps{})
		for _, tc := range []struct {
			name   string
			svc    *privacy.Service
			org    int64
			person *identity.User
			want   error
			until  time.Time // when the records may go, for a Retained refusal
		}{
			{"someone of another organisation", kept, harbour.ID, stranger, privacy.ErrNotMember, time.Time{}},
			{"a member of two subscribers", kept, harbour.ID, both, privacy.ErrElsewhere, time.Time{}},
			{"a member of two subscribers, no retention", free, north.ID, both, privacy.ErrElsewhere, time.Time{}},
			{"the operator", free, harbour.ID, admin, privacy.ErrElsewhere, time.Time{}},
			{"a running trajectory", kept, harbour.ID, eva, nil, now.Add(retention)},
			{"an ended trajectory and a running one", kept, harbour.ID, kim, nil, now.Add(retention)},
		} {
			err := tc.svc.Erase(ctx, tc.org, admin.ID, tc.person.ID, "10.0.0.1")
			var retained *privacy.Retained
			switch {
			case !tc.until.IsZero():
				if !errors.As(err, &retained) || !retained.Until.Equal(tc.until) {
					t.Errorf("%s: %v, want kept until %s", tc.name, err, tc.until)
				}
			case !errors.Is(err, tc.want):
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
			if after, _ := ids.ByID(ctx, tc.person.ID); after.Email != tc.person.Email || after.Status != identity.StatusActive {
				t.Errorf("%s: the refused erasure changed the account to %s (%s)", tc.name, after.Email, after.Status)
			}
		}
		if n := events(t, app, "privacy.erased"); n != 0 {
			t.Errorf("refused erasures recorded %d erasures", n)
		}

		// Without a retention rule a running trajectory keeps nothing.
		if err := free.Erase(ctx, harbour.ID, admin.ID, eva.ID, "10.0.0.1"); err != nil {
			t.Errorf("no retention, a running trajectory: %v", err)
		}
		if after, _ := ids.ByID(ctx, eva.ID); after.Status != privacy.StatusErased {
			t.Errorf("Eva is %s", after.Status)
		}
	})
}

// TestEraseAfterRetention: a closed trajectory keeps the records for the
// retention period from the day it ended, to the second; then the person
// is erased: their account keeps only its id, their dossier its
// trajectories' figures, and everything else of theirs goes, and no one
// else's.
func TestEraseAfterRetention(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		ids := app.Identity()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		admin, _ := ids.ByEmail(ctx, "admin@harbour.example")
		coach, _ := ids.ByEmail(ctx, "coach@harbour.example")
		hr, _ := ids.ByEmail(ctx, "hr@harbour.example")
		kim, _ := ids.ByEmail(ctx, "coachee@harbour.example")
		kims := app.DossierOf(t, kim.Email)

		// Kim's things: a photo, an app password, mail preferences, a
		// notice, a read mark, tasks, a share of her dossier.
		if err := ids.SetPhoto(ctx, kim, pngOf(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := ids.CreateAppPassword(ctx, kim, "Calendar", ""); err != nil {
			t.Fatal(err)
		}
		if err := ids.SetMailPreferences(ctx, kim.ID, nil); err != nil {
			t.Fatal(err)
		}
		notices := notice.NewService(app.DB())
		for _, user := range []int64{kim.ID, coach.ID} {
			if err := notices.Add(ctx, &notice.Notice{OrganisationID: harbour.ID, UserID: user, Module: dossier.Module, Message: "dossier.notice.mentioned", Link: "/dossiers"}); err != nil {
				t.Fatal(err)
			}
		}
		trajectories, err := app.Dossiers().Trajectories(ctx, kims)
		if err != nil || len(trajectories) != 1 {
			t.Fatalf("Kim's trajectories: %v %v", trajectories, err)
		}
		traj := trajectories[0]
		if found, err := readstate.NewService(app.DB()).Mark(ctx, kim.ID, kims, dossier.KindTrajectory, fmt.Sprint(traj.ID), true); !found || err != nil {
			t.Fatalf("Kim reads her trajectory: %v %v", found, err)
		}
		coachWho := dossier.Who{UserID: coach.ID, OrgID: harbour.ID, Can: access.Set{}.Add(app.Access().BuiltInPermissions(access.RoleCoach)...)}
		if _, err := app.Dossiers().Request(ctx, coachWho, kims, dossier.TaskRequest{Kind: dossier.TaskOther, Note: "Kim's new address", ForPerson: true}, ""); err != nil {
			t.Fatal(err)
		}
		manager := dossier.Who{UserID: hr.ID, OrgID: harbour.ID, Can: access.Set{}.Add(access.DossiersManage)}
		if _, err := app.Dossiers().ShareWith(ctx, manager, kims, coach.Email, dossier.View, ""); err != nil {
			t.Fatal(err)
		}

		kimsRows := map[string]string{
			"app_passwords": "user_id = ?", "mail_preferences": "user_id = ?", "notices": "user_id = ?", "read_marks": "user_id = ?",
			"member_roles": "user_id = ?", "password_history": "user_id = ?",
		}
		for table, where := range kimsRows {
			if n := count(t, app, table, where, kim.ID); n == 0 {
				t.Fatalf("%s holds nothing of Kim's to erase", table)
			}
		}

		if err := app.Dossiers().CloseTrajectory(ctx, coachWho, kims, traj.ID, "done", ""); err != nil {
			t.Fatal(err)
		}
		trajectories, _ = app.Dossiers().Trajectories(ctx, kims)
		ended, err := time.Parse(time.DateOnly, trajectories[0].EndDate)
		if err != nil {
			t.Fatalf("end date %q: %v", trajectories[0].EndDate, err)
		}
		until := ended.Add(retention)
		svc := privacy.NewService(app.DB(), retention, privacy.Deps{})
		svc.Now = func() time.Time { return until.Add(-time.Second) }
		var retained *privacy.Retained
		if err := svc.Erase(ctx, harbour.ID, admin.ID, kim.ID, ""); !errors.As(err, &retained) || !retained.Until.Equal(until) {
			t.Fatalf("a second before the records may go: %v, want kept until %s", err, until)
		}
		svc.Now = func() time.Time { return until }
		if err := svc.Erase(ctx, harbour.ID, admin.ID, kim.ID, "10.0.0.9"); err != nil {
			t.Fatalf("when the records may go: %v", err)
		}

		gone, err := ids.ByID(ctx, kim.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("erased-%d@erased.invalid", kim.ID); gone.Email != want || gone.Status != privacy.StatusErased {
			t.Errorf("the account is %s (%s), want %s (erased)", gone.Email, gone.Status, want)
		}
		if gone.GivenName+gone.NamePrefix+gone.FamilyName+gone.Phone+gone.PasswordHash+gone.TOTPSecret != "" || gone.TOTPEnabled || len(gone.Photo) != 0 || gone.PhotoType != "" {
			t.Errorf("the account keeps personal data: %+v", gone)
		}
		var d dossier.Dossier
		if err := app.DB().NewSelect().Model(&d).Where("id = ?", kims).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		personal := d.PersonnelNumber + d.FamilyName + d.NamePrefix + d.GivenName + d.Initials + d.BirthDate + d.Email + d.Phone + d.Street + d.Postcode + d.City + d.Country +
			d.Department + d.Location + d.CostCentre + d.Notes + d.GivenKey + d.FamilyKey
		if personal != "" || d.Gender != "unknown" || d.Status != "closed" {
			t.Errorf("the dossier keeps %q, gender %s, status %s", personal, d.Gender, d.Status)
		}
		if after, _ := app.Dossiers().Trajectories(ctx, kims); len(after) != 1 || after[0].ProductName != traj.ProductName || after[0].SessionsPlanned != traj.SessionsPlanned || after[0].EndDate != trajectories[0].EndDate {
			t.Errorf("the trajectory's figures went: %+v", after)
		}
		var notes []string
		if err := app.DB().NewSelect().Table("dossier_tasks").ColumnExpr("note || comment").Where("dossier_id = ?", kims).Scan(ctx, &notes); err != nil || len(notes) != 1 || notes[0] != "" {
			t.Errorf("the dossier's tasks keep %q (%v)", notes, err)
		}
		member, err := app.Organisations().Member(ctx, harbour.ID, kim.ID)
		if err != nil || member.Active || member.WebAccess {
			t.Errorf("the membership stays usable: %+v %v", member, err)
		}
		for table, where := range kimsRows {
			if n := count(t, app, table, where, kim.ID); n != 0 {
				t.Errorf("%s keeps %d rows of the erased person", table, n)
			}
		}
		if n := count(t, app, "dossier_shares", "dossier_id = ?", kims); n != 0 {
			t.Errorf("the erased person's dossier is still shared %d times", n)
		}
		if n := count(t, app, "notices", "user_id = ?", coach.ID); n != 1 {
			t.Errorf("the coach keeps %d notices, want 1", n)
		}
		if n := count(t, app, "member_roles", "user_id = ?", coach.ID); n != 1 {
			t.Errorf("the coach keeps %d roles", n)
		}
		list, err := audit.For(ctx, app.DB(), kim.ID, 1)
		if err != nil || len(list) != 1 || list[0].Action != "privacy.erased" || *list[0].ActorID != admin.ID || *list[0].OrganisationID != harbour.ID || list[0].IP != "10.0.0.9" {
			t.Errorf("the erasure's audit entry: %+v %v", list, err)
		}
		if err := svc.Erase(ctx, harbour.ID, admin.ID, kim.ID, ""); err != nil {
			t.Errorf("erasing again: %v", err)
		}
	})
}

// startTrajectory registers a dossier for a member of org and starts a
// trajectory in it, which links the member's account; it returns them.
func startTrajectory(t *testing.T, app *coretest.App, orgID int64, email string) *identity.User {
	t.Helper()
	ctx := context.Background()
	hr, err := app.Identity().ByEmail(ctx, "hr@harbour.example")
	if err != nil {
		t.Fatal(err)
	}
	who := dossier.Who{UserID: hr.ID, OrgID: orgID, Can: access.Set{}.Add(access.DossiersRegister, access.DossiersViewAll, access.TrajectoriesStart)}
	d, err := app.Dossiers().Register(ctx, who, dossier.Details{FamilyName: "Visser", GivenName: "Eva", Initials: "E.", Gender: "female", BirthDate: "1980-05-05", Email: email}, "")
	if err != nil {
		t.Fatal(err)
	}
	start(t, app, orgID, d.ID)
	u, err := app.Identity().ByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	var linked int64
	if err := app.DB().NewSelect().Table("dossiers").Column("user_id").Where("id = ?", d.ID).Scan(ctx, &linked); err != nil || linked != u.ID {
		t.Fatalf("the dossier is not linked to %s: %d %v", email, linked, err)
	}
	return u
}

// start starts a trajectory of the organisation's first product in the
// dossier, as the demo's employer contact.
func start(t *testing.T, app *coretest.App, orgID, dossierID int64) {
	t.Helper()
	ctx := context.Background()
	hr, err := app.Identity().ByEmail(ctx, "hr@harbour.example")
	if err != nil {
		t.Fatal(err)
	}
	who := dossier.Who{UserID: hr.ID, OrgID: orgID, Can: access.Set{}.Add(access.DossiersViewAll, access.TrajectoriesStart)}
	products, err := app.Dossiers().Products(ctx, []int64{orgID}, false)
	if err != nil || len(products) == 0 {
		t.Fatalf("products: %v %v", products, err)
	}
	if _, err := app.Dossiers().StartTrajectory(ctx, who, dossierID, []int64{orgID}, dossier.Start{ProductID: fmt.Sprint(products[0].ID), StartDate: "2026-11-02"}, ""); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, app *coretest.App, table, where string, arg any) int {
	t.Helper()
	n, err := app.DB().NewSelect().Table(table).Where(where, arg).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func events(t *testing.T, app *coretest.App, action string) int {
	t.Helper()
	return count(t, app, "audit_events", "action = ?", action)
}
