package announcements_test

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

func TestPostingNotifiesWithoutTheText(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		coachee := app.Client(t)
		coachee.SignIn("coachee@harbour.example")
		// The coachee turns announcement mails off; the coach keeps them on.
		if res := coachee.PostForm("/settings/notifications", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("preferences: %d", res.StatusCode)
		}
		if page := coachee.Get("/settings/notifications"); page.Doc.Find(`input[name=kinds][checked]`).Length() != 0 {
			t.Fatal("the choice was not kept")
		}
		// A coachee cannot post.
		if res := coachee.PostForm("/announcements", url.Values{"title": {"x"}, "body": {"y"}}); res.StatusCode != 403 {
			t.Fatalf("coachee posting: %d", res.StatusCode)
		}
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		before, _ := app.Mailer().Recent(ctx, 100)
		if res := admin.PostForm("/announcements", url.Values{"title": {""}, "body": {""}}); res.StatusCode != 422 {
			t.Fatalf("empty announcement: %d", res.StatusCode)
		}
		if res := admin.PostForm("/announcements", url.Values{"title": {"Closed on Friday"}, "body": {"The secret reason is inside."}}); res.StatusCode != 303 {
			t.Fatalf("post: %d", res.StatusCode)
		}
		after, _ := app.Mailer().Recent(ctx, 100)
		var to []string
		for _, m := range after[:len(after)-len(before)] {
			to = append(to, m.Recipient)
			if strings.Contains(m.Text, "secret reason") || strings.Contains(m.Subject, "Closed on Friday") {
				t.Errorf("the mail carries the announcement: %q", m.Text)
			}
		}
		sort.Strings(to)
		if strings.Join(to, ",") != "coach@harbour.example,hr@harbour.example" {
			t.Errorf("notified %v, want the coach and the employer contact", to)
		}
		if page := coachee.Get("/announcements"); !strings.Contains(page.Body, "Closed on Friday") {
			t.Error("the coachee does not see the announcement")
		}
		// A notice for everyone but the author, whatever their mail choice.
		if got := coachee.Get("/notices").Text("#notices"); !strings.Contains(got, "A new announcement was posted") {
			t.Errorf("the coachee's notices: %q", got)
		}
		if got := admin.Get("/notices").Text("#notices"); strings.Contains(got, "A new announcement") {
			t.Errorf("the author got a notice of their own announcement: %q", got)
		}
	})
}
