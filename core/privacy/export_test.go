package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/privacy"
)

// pngOf is a small picture to use as a photo.
func pngOf(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 32, 32))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// export is a person's download, file by file.
func export(t *testing.T, svc *privacy.Service, userID int64) map[string]string {
	t.Helper()
	var buf bytes.Buffer
	if err := svc.Export(context.Background(), userID, &buf); err != nil {
		t.Fatal(err)
	}
	return coretest.Unzip(t, buf.Bytes())
}

// TestExport: the download holds everything about the person, one JSON
// file per kind of record and their photo, and nothing about anyone else
// and no secret.
func TestExport(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		ids := app.Identity()
		kim, _ := ids.ByEmail(ctx, "coachee@harbour.example")
		coach, _ := ids.ByEmail(ctx, "coach@harbour.example")
		org := app.OrgOf(t, kim.ID)
		if err := ids.SetPhoto(ctx, kim, pngOf(t)); err != nil {
			t.Fatal(err)
		}
		appPassword, err := ids.CreateAppPassword(ctx, kim, "Calendar on my phone", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := ids.SetMailPreferences(ctx, kim.ID, []string{dossier.Module}); err != nil {
			t.Fatal(err)
		}
		who := dossier.Who{UserID: coach.ID, OrgID: org, Can: access.Set{}.Add(app.Access().BuiltInPermissions(access.RoleCoach)...)}
		kims := app.DossierOf(t, kim.Email)
		for _, r := range []dossier.TaskRequest{
			{Kind: dossier.TaskOther, Note: "Please send the signed plan", ForPerson: true},
			{Kind: dossier.TaskOther, Note: "Between us: check the invoice", ForPerson: false},
		} {
			if _, err := app.Dossiers().Request(ctx, who, kims, r, ""); err != nil {
				t.Fatal(err)
			}
		}
		notices := notice.NewService(app.DB())
		for _, n := range []*notice.Notice{
			{OrganisationID: org, UserID: kim.ID, Module: dossier.Module, Message: "dossier.notice.mentioned", Link: "/dossiers/kims-notice"},
			{OrganisationID: org, UserID: coach.ID, Module: dossier.Module, Message: "dossier.notice.mentioned", Link: "/dossiers/coachs-notice"},
		} {
			if err := notices.Add(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		svc := privacy.NewService(app.DB(), 0, privacy.Deps{})
		exportedAt := time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("CET", 3600))
		svc.Now = func() time.Time { return exportedAt }

		files := export(t, svc, kim.ID)
		var names []string
		for name := range files {
			names = append(names, name)
		}
		slices.Sort(names)
		want := []string{"README.json", "account.json", "app_passwords.json", "audit.json", "dossiers.json", "mail_preferences.json", "memberships.json",
			"notices.json", "photo.png", "roles.json", "sessions.json", "tasks.json", "teams.json", "trajectories.json"}
		if !slices.Equal(names, want) {
			t.Fatalf("the download holds %v\n\twant %v", names, want)
		}
		for _, tc := range []struct {
			file       string
			has, lacks []string
		}{
			{"account.json", []string{`"coachee@harbour.example"`, `"Kim"`, `"Bakker"`, `"totp_enabled"`}, []string{"password_hash", "totp_secret", `"photo"`}},
			{"memberships.json", []string{`"Harbour Coaching"`, `"active"`, `"web_access"`}, nil},
			{"roles.json", []string{`"coachee"`}, []string{`"coach"`, `"admin"`}},
			{"dossiers.json", []string{`"Bakker"`, `"10231"`, `"Rotterdam"`}, []string{"Smit", "Vries", "Mulder"}},
			{"trajectories.json", []string{`"Individual coaching (4 sessions)"`, `"2026-11-02"`}, nil},
			{"tasks.json", []string{"Please send the signed plan"}, []string{"Between us"}},
			{"notices.json", []string{"/dossiers/kims-notice"}, []string{"/dossiers/coachs-notice"}},
			{"mail_preferences.json", []string{`"` + dossier.Module + `"`}, nil},
			{"app_passwords.json", []string{"Calendar on my phone"}, []string{appPassword, "hash"}},
			{"audit.json", []string{"identity.", "dossier.task_requested"}, nil},
			{"README.json", []string{`"2026-12-01T09:00:00Z"`}, nil},
		} {
			body := files[tc.file]
			for _, s := range tc.has {
				if !strings.Contains(body, s) {
					t.Errorf("%s lacks %s:\n%s", tc.file, s, body)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(body, s) {
					t.Errorf("%s holds %s:\n%s", tc.file, s, body)
				}
			}
		}
		for name, body := range files {
			if strings.HasSuffix(name, ".json") && !json.Valid([]byte(body)) {
				t.Errorf("%s is no JSON", name)
			}
			if strings.Contains(body, appPassword) {
				t.Errorf("%s holds the app password", name)
			}
		}
		var account []map[string]any
		if err := json.Unmarshal([]byte(files["account.json"]), &account); err != nil || len(account) != 1 {
			t.Fatalf("account.json: %v %s", err, files["account.json"])
		}
		withPhoto, err := ids.ByID(ctx, kim.ID)
		if err != nil {
			t.Fatal(err)
		}
		if files["photo.png"] != string(withPhoto.Photo) {
			t.Error("photo.png is not the person's photo")
		}

		// The coach's download: theirs only, no photo.
		files = export(t, svc, coach.ID)
		if _, ok := files["photo.png"]; ok {
			t.Error("a person without a photo downloads one")
		}
		if !strings.Contains(files["account.json"], "coach@harbour.example") || strings.Contains(files["account.json"], "coachee@") {
			t.Errorf("the coach's account.json: %s", files["account.json"])
		}
		for _, name := range []string{"dossiers.json", "trajectories.json", "tasks.json"} {
			var rows []map[string]any
			if err := json.Unmarshal([]byte(files[name]), &rows); err != nil || len(rows) != 0 {
				t.Errorf("the coach's %s holds the dossiers they coach: %s", name, files[name])
			}
		}
		if !strings.Contains(files["notices.json"], "coachs-notice") || strings.Contains(files["notices.json"], "kims-notice") {
			t.Errorf("the coach's notices.json: %s", files["notices.json"])
		}
		if !strings.Contains(files["audit.json"], "dossier.task_requested") {
			t.Errorf("the coach's audit.json lacks what they did: %s", files["audit.json"])
		}
	})
}
