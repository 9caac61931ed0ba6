package operator_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestDevMailOnlyWithoutMailServer: the development mail page shows every
// organisation's live reset and invitation links, so the operator has it
// (and its navigation entry) only while mails cannot leave the outbox, and
// the page says why it is there; with a mail server configured it answers
// 404 and the entry is gone.
func TestDevMailOnlyWithoutMailServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		mailServer bool
	}{
		{"no mail server", false},
		{"mail server", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
				var smtpd *coretest.MailServer
				if tc.mailServer {
					smtpd = coretest.SMTP(t)
				}
				app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
					if smtpd != nil {
						smtpd.Configure(c)
					}
				}})
				operator := app.Client(t)
				operator.SignIn("admin@harbour.example") // the demo's administrator is the platform operator too
				if res := operator.PostForm("/people/invite", url.Values{"email": {"sam@example.org"}, "given_name": {"Sam"}, "family_name": {"Visser"}, "role": {"coachee"}}); res.StatusCode != 303 {
					t.Fatalf("invite: %d", res.StatusCode)
				}
				nav := operator.Get("/about").Doc.Find(`nav a[href="/dev/mail"]`).Length()
				page := operator.Get("/dev/mail")

				if tc.mailServer {
					if page.StatusCode != 404 || strings.Contains(page.Body, "/invitation/") {
						t.Errorf("the page with a mail server: %d", page.StatusCode)
					}
					if nav != 0 {
						t.Error("the navigation offers the page with a mail server")
					}
					if mail := smtpd.WaitFor("sam@example.org"); !strings.Contains(mail.Link("/invitation/"), "/invitation/") {
						t.Error("the invitation did not reach the mail server")
					}
					return
				}
				if page.StatusCode != 200 || !strings.Contains(page.Body, "/invitation/") {
					t.Fatalf("the page without a mail server: %d", page.StatusCode)
				}
				if lead := page.Text("main .lead"); !strings.Contains(lead, "No mail server is configured") || !strings.Contains(lead, "goes away once a mail server is configured") {
					t.Errorf("the page does not say why it is there: %q", lead)
				}
				if nav != 1 {
					t.Errorf("navigation entries for the page: %d", nav)
				}
				coach := app.Client(t)
				coach.SignIn("coach@harbour.example")
				if res := coach.Get("/dev/mail"); res.StatusCode != 403 || res.Doc.Find(`nav a[href="/dev/mail"]`).Length() != 0 {
					t.Errorf("a coach at the page: %d", res.StatusCode)
				}
			})
		})
	}
}
