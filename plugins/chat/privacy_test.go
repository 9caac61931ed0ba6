package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/plugins/chat/internal/conversation"
)

// TestOnePersonCannotBlockAnothersExport: Kim writes her coach 750
// messages of 4,000 '<' each (within the chat's limits: at 20 a minute,
// under 40 minutes). Each is 24 KB once escaped in JSON, so the chat's
// part of the coach's export passes the 16 MiB a plugin may answer with:
// the coach's export must still be given.
func TestOnePersonCannotBlockAnothersExport(t *testing.T) {
	t.Parallel()
	bin := coretest.BuildThisPlugin(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, bin) }})
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	where := startChat(kim, "coach", "1").Header.Get("Location")
	id, _ := strconv.ParseInt(where[strings.LastIndex(where, "/")+1:], 10, 64)
	ctx := t.Context()
	me, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
	org := app.DemoOrg(t)
	start := time.Now().Add(-time.Hour).UTC()
	body := strings.Repeat("<", conversation.MaxLength)
	rows := make([]conversation.Message, 0, 750)
	for i := range 750 {
		rows = append(rows, conversation.Message{OrganisationID: org, ConversationID: id, AuthorID: me.ID, Body: body, CreatedAt: start.Add(time.Duration(i) * 3 * time.Second)})
	}
	if _, err := app.Plugins().PluginDB("chat", org).NewInsert().Model(&rows).ModelTableExpr(app.Plugins().Table("chat", "chat_messages")).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	res := coach.Get("/settings/privacy/export")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("the coach's export, after Kim wrote to him: %d, to %q", res.StatusCode, res.Header.Get("Location"))
	}
}
