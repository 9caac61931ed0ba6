package privacy_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestModulesTakePartInExportAndErasure: a person's download holds the
// agenda's and the chat's parts (and a file they uploaded), and erasing
// them erases those parts too, in the modules' own tables.
func TestModulesTakePartInExportAndErasure(t *testing.T) {
	t.Parallel()
	agenda, chat := coretest.BuildPlugin(t, "plugins/agenda"), coretest.BuildPlugin(t, "plugins/chat")
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, agenda, chat) }})
		ctx := context.Background()
		org := app.DemoOrg(t)
		kim := app.Client(t)
		kim.SignIn("coachee@harbour.example")
		me, err := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		if err != nil {
			t.Fatal(err)
		}
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		// A conversation, and an appointment with words about Kim.
		where := kim.PostForm("/m/chat/start", url.Values{"coach": {"1"}}).Header.Get("Location")
		if !strings.HasPrefix(where, "/m/chat/c/") {
			t.Fatalf("start a conversation: %q", where)
		}
		if res := kim.PostForm(where+"/messages", url.Values{"body": {"Hello from Kim"}}, "HX-Request", "true"); res.StatusCode != 200 {
			t.Fatalf("send: %d", res.StatusCode)
		}
		var dossierID int64
		if err := app.DB().NewRaw("SELECT id FROM dossiers WHERE user_id = ?", me.ID).Scan(ctx, &dossierID); err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Hour)
		if _, err := app.Plugins().PluginDB("agenda", org).ExecContext(ctx, "INSERT INTO "+app.Plugins().Table("agenda", "agenda_appointments")+
			` (organisation_id, uid, sequence, coach_id, coachee_id, dossier_id, trajectory_id, session_type, starts_at, ends_at, mode, place, theme, status, reason, booked_by, created_at, updated_at)
			VALUES (?, 'privacy-test@atrium', 0, ?, ?, ?, 0, 'intake', ?, ?, 'place', 'Room 12 at Kim''s home', 'Kim''s private theme', 'held', '', ?, ?, ?)`,
			org, coach.ID, me.ID, dossierID, start, start.Add(time.Hour), coach.ID, start, start); err != nil {
			t.Fatal(err)
		}
		res := kim.Get("/settings/privacy/export")
		if res.StatusCode != 200 {
			t.Fatalf("export: %d", res.StatusCode)
		}
		files := coretest.Unzip(t, []byte(res.Body))
		in := "/" + strconv.FormatInt(org, 10) + "/"
		if got := files["modules/chat"+in+"messages.json"]; !strings.Contains(got, "Hello from Kim") || !strings.Contains(got, `"written_by_you": true`) {
			t.Errorf("the chat's part: %q (files %v)", got, names(files))
		}
		if got := files["modules/agenda"+in+"appointments.json"]; !strings.Contains(got, "Room 12 at Kim's home") || !strings.Contains(got, `"you_were": "coachee"`) {
			t.Errorf("the agenda's part: %q", got)
		}
		// Erased: the modules' words about Kim go with the core's.
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		if res := admin.PostForm("/people/"+strconv.FormatInt(me.ID, 10)+"/erase", url.Values{"confirm": {"1"}}); res.StatusCode != 303 || res.Header.Get("Location") != "/people" {
			t.Fatalf("erase: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var left int
		if err := app.Plugins().PluginDB("chat", org).NewRaw("SELECT count(*) FROM "+app.Plugins().Table("chat", "chat_messages")+" WHERE author_id = ?", me.ID).Scan(ctx, &left); err != nil || left != 0 {
			t.Errorf("Kim's messages after the erasure: %d %v", left, err)
		}
		var place, theme string
		if err := app.Plugins().PluginDB("agenda", org).NewRaw("SELECT place, theme FROM "+app.Plugins().Table("agenda", "agenda_appointments")+" WHERE uid = ?", "privacy-test@atrium").Scan(ctx, &place, &theme); err != nil || place != "" || theme != "" {
			t.Errorf("the appointment after the erasure: %q %q %v", place, theme, err)
		}
		var erased int
		if err := app.DB().NewRaw("SELECT count(*) FROM events WHERE name = 'person.erased' AND organisation_id = ?", org).Scan(ctx, &erased); err != nil || erased != 1 {
			t.Errorf("person.erased events: %d %v", erased, err)
		}
	})
}

func names(files map[string]string) []string {
	var out []string
	for name := range files {
		out = append(out, name)
	}
	return out
}
