package privacy_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

func echoExportApp(t *testing.T) (*coretest.App, *coretest.Client) {
	echo := coretest.BuildPlugin(t, "core/pluginhost/testdata/echo")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, echo) }})
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	return app, kim
}

func echoMode(t *testing.T, c *coretest.Client, mode string) {
	t.Helper()
	if res := c.PostForm("/m/echo/mode", url.Values{"mode": {mode}}); res.StatusCode != 200 {
		t.Fatalf("mode: %d %s", res.StatusCode, res.Body)
	}
}

// TestALargePartIsExported: a module's part of 20 MiB (a long-running
// chat) comes in pieces and is exported.
func TestALargePartIsExported(t *testing.T) {
	t.Parallel()
	_, kim := echoExportApp(t)
	echoMode(t, kim, "big")
	res := kim.Get("/settings/privacy/export")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("a 20 MiB part (the contract allows 32): %d %s, location %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Location"))
	}
}

// TestExportNamesStayInTheModulesFolder: a module's file names must
// not climb out of modules/<module>/<organisation>/ for an unzipper that
// takes backslashes as separators (Windows), nor break the export.
func TestExportNamesStayInTheModulesFolder(t *testing.T) {
	t.Parallel()
	_, kim := echoExportApp(t)
	echoMode(t, kim, "names")
	res := kim.Get("/settings/privacy/export")
	if res.StatusCode != 200 {
		t.Fatalf("export: %d", res.StatusCode)
	}
	for name := range coretest.Unzip(t, []byte(res.Body)) {
		if strings.ContainsAny(name, `\:`) || strings.Contains(name, "..") {
			t.Errorf("an entry a Windows unzipper writes outside its folder: %q", name)
		}
	}
	echoMode(t, kim, "empty")
	if res := kim.Get("/settings/privacy/export"); res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
		t.Errorf("a file without a name breaks the export: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Body[:min(len(res.Body), 200)])
	} else if files := coretest.Unzip(t, []byte(res.Body)); files["modules/echo/1/file-1"] != "data" {
		t.Errorf("a file without a name is not kept as file-1: %v", names(files))
	}
}

// TestAFailedErasureIsRecordedAndFinishedLater: when one module does not
// erase, the erasure is not finished: the core erases nothing of its own,
// what the modules before it erased is in the audit log, and asking again
// once the module answers finishes it.
func TestAFailedErasureIsRecordedAndFinishedLater(t *testing.T) {
	t.Parallel()
	agenda, echo := coretest.BuildPlugin(t, "plugins/agenda"), coretest.BuildPlugin(t, "core/pluginhost/testdata/echo")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, agenda, echo) }})
	ctx := t.Context()
	org := app.DemoOrg(t)
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	echoMode(t, kim, "erasefail")
	me, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
	coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
	var dossierID int64
	if err := app.DB().NewRaw("SELECT id FROM dossiers WHERE user_id = ?", me.ID).Scan(ctx, &dossierID); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Hour)
	if _, err := app.Plugins().PluginDB("agenda", org).ExecContext(ctx, "INSERT INTO "+app.Plugins().Table("agenda", "agenda_appointments")+
		` (organisation_id, uid, sequence, coach_id, coachee_id, dossier_id, trajectory_id, session_type, starts_at, ends_at, mode, place, theme, status, reason, booked_by, created_at, updated_at)
		VALUES (?, 'review@atrium', 0, ?, ?, ?, 0, 'intake', ?, ?, 'place', 'Room 12', 'Kim''s theme', 'held', '', ?, ?, ?)`,
		org, coach.ID, me.ID, dossierID, start, start.Add(time.Hour), coach.ID, start, start); err != nil {
		t.Fatal(err)
	}
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	res := admin.PostForm("/people/"+strconv.FormatInt(me.ID, 10)+"/erase", url.Values{"confirm": {"1"}})
	if res.StatusCode != 303 || res.Header.Get("Location") == "/people" {
		t.Fatalf("the erasure should not have finished: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// What was done is recorded: the start, and the agenda's part.
	var actions []string
	if err := app.DB().NewRaw("SELECT action FROM audit_events WHERE subject_id = ? AND action LIKE 'privacy.%' ORDER BY id", me.ID).Scan(ctx, &actions); err != nil {
		t.Fatal(err)
	}
	if strings.Join(actions, ",") != "privacy.erase_started,privacy.module_erased" {
		t.Errorf("the log of a failed erasure: %q", actions)
	}
	if u, _ := app.Identity().ByID(ctx, me.ID); u == nil || u.Email != "coachee@harbour.example" {
		t.Errorf("the core erased the person though a module failed")
	}
	// The module answers again: the erasure is asked again, and finishes.
	echoMode(t, kim, "")
	if res := admin.PostForm("/people/"+strconv.FormatInt(me.ID, 10)+"/erase", url.Values{"confirm": {"1"}}); res.StatusCode != 303 || res.Header.Get("Location") != "/people" {
		t.Fatalf("the erasure asked again: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	var theme string
	_ = app.Plugins().PluginDB("agenda", org).NewRaw("SELECT theme FROM "+app.Plugins().Table("agenda", "agenda_appointments")+" WHERE uid = 'review@atrium'").Scan(ctx, &theme)
	if theme != "" {
		t.Errorf("the appointment after the erasure: %q", theme)
	}
}

// TestAnErasureReachesAModuleSwitchedOff: an administrator switches
// the chat off for a while (their organisation's choice, the data stays),
// and erases Kim meanwhile. Kim's messages must not outlive her erasure
// (and come back when the chat is on again).
func TestAnErasureReachesAModuleSwitchedOff(t *testing.T) {
	t.Parallel()
	chat := coretest.BuildPlugin(t, "plugins/chat")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, chat) }})
	ctx := t.Context()
	org := app.DemoOrg(t)
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	me, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
	where := kim.PostForm("/m/chat/start", url.Values{"coach": {"1"}}).Header.Get("Location")
	if res := kim.PostForm(where+"/messages", url.Values{"body": {"Kim's secret"}}, "HX-Request", "true"); res.StatusCode != 200 {
		t.Fatalf("send: %d", res.StatusCode)
	}
	if err := app.Organisations().SetModule(ctx, org, "chat", false); err != nil {
		t.Fatal(err)
	}
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	if res := admin.PostForm("/people/"+strconv.FormatInt(me.ID, 10)+"/erase", url.Values{"confirm": {"1"}}); res.StatusCode != 303 || res.Header.Get("Location") != "/people" {
		t.Fatalf("erase: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	var left int
	_ = app.Plugins().PluginDB("chat", org).NewRaw("SELECT count(*) FROM "+app.Plugins().Table("chat", "chat_messages")+" WHERE author_id = ?", me.ID).Scan(ctx, &left)
	if left != 0 {
		t.Errorf("Kim is erased, her %d message(s) in the chat (off for now) are not", left)
	}
}
