package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/mail"
)

var invitation = map[string]any{"Name": "Sam", "Inviter": "Robin", "Organisation": "Harbour Coaching", "Link": "http://127.0.0.1:8080/invitation/abc", "Hours": 72}

func TestMailIsComposedInTheRecipientsLanguage(t *testing.T) {
	t.Parallel()
	smtpd := coretest.SMTP(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: smtpd.Configure})
	ctx := context.Background()
	data := map[string]any{"Name": "Sam <script>", "Inviter": "Robin", "Organisation": "Zorg & Co", "Link": "http://127.0.0.1:8080/invitation/abc", "Hours": 72, "Colour": "#5b21b6"}
	if err := app.Mailer().Queue(ctx, "sam@example.org", "nl", "invitation", data); err != nil {
		t.Fatal(err)
	}
	got := smtpd.WaitFor("sam@example.org")
	if got.Subject() != "Je account bij Zorg & Co" {
		t.Errorf("subject %q", got.Subject())
	}
	text, html := got.Part("text/plain"), got.Part("text/html")
	if !strings.Contains(text, "Hallo Sam <script>,") || !strings.Contains(text, "http://127.0.0.1:8080/invitation/abc") {
		t.Errorf("text part:\n%s", text)
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "Sam &lt;script&gt;") {
		t.Errorf("HTML part does not escape the name:\n%s", html)
	}
	if !strings.Contains(html, "#5b21b6") {
		t.Error("the mail does not carry the organisation's colour")
	}
	if got.Link("/invitation/") != "http://127.0.0.1:8080/invitation/abc" {
		t.Errorf("link %q", got.Link("/invitation/"))
	}
}

func TestRolledBackChangeSendsNothing(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		boom := errors.New("the change failed")
		err := app.DB().Tx(ctx, func(ctx context.Context) error {
			if err := app.Mailer().Queue(ctx, "sam@example.org", "en", "invitation", invitation); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if list, _ := app.Mailer().Recent(ctx, 10); len(list) != 0 {
			t.Fatalf("a mail of a rolled-back change is in the outbox: %+v", list)
		}
	})
}

// TestDeliveryAfterOutageAndRestart: the SMTP server is down when the mail is
// queued and Atrium restarts before it comes back; the mail still arrives,
// once.
func TestDeliveryAfterOutageAndRestart(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		smtpd := coretest.SMTP(t)
		smtpd.Stop() // outage
		ctx := context.Background()

		first := coretest.NewApp(t, db, coretest.Options{Config: smtpd.Configure})
		if err := first.Mailer().Queue(ctx, "sam@example.org", "en", "invitation", invitation); err != nil {
			t.Fatal(err)
		}
		// The worker tries at once, fails, and schedules a retry.
		after := waitForOutbox(t, first.Mailer(), func(o mail.Outgoing) bool { return o.Attempts == 1 })
		if after.Status != mail.StatusQueued || after.LastError == "" || !after.NextAttemptAt.After(time.Now()) {
			t.Fatalf("after a failed attempt: %+v", after)
		}
		first.Close() // the process goes away with the mail still queued

		smtpd.Restart()
		second := coretest.NewApp(t, db, coretest.Options{Config: smtpd.Configure, Before: func(a *core.App) {
			a.Mailer().Now = func() time.Time { return time.Now().Add(time.Hour) } // past the retry pause
		}})
		if got := smtpd.WaitFor("sam@example.org"); got.Subject() != "Your account at Harbour Coaching" {
			t.Errorf("subject %q", got.Subject())
		}
		sent := waitForOutbox(t, second.Mailer(), func(o mail.Outgoing) bool { return o.Status == mail.StatusSent })
		if sent.Attempts != 2 || sent.SentAt == nil || len(smtpd.Messages()) != 1 {
			t.Errorf("after delivery: %+v, %d messages", sent, len(smtpd.Messages()))
		}
	})
}

func TestPermanentRefusalIsGivenUp(t *testing.T) {
	t.Parallel()
	smtpd := coretest.SMTP(t)
	smtpd.Refuse("gone@example.org", 550)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		smtpd.Configure(c)
		c.Mail.MaxAttempts = 3
	}})
	ctx := context.Background()
	if err := app.Mailer().Queue(ctx, "gone@example.org", "en", "invitation", invitation); err != nil {
		t.Fatal(err)
	}
	failed := waitForOutbox(t, app.Mailer(), func(o mail.Outgoing) bool { return o.Status == mail.StatusFailed })
	if failed.Attempts != 1 || !strings.Contains(failed.LastError, "550") {
		t.Errorf("given up after %d attempts: %q", failed.Attempts, failed.LastError)
	}
}

// waitForOutbox waits until the newest mail in the outbox satisfies ok.
func waitForOutbox(t *testing.T, m *mail.Mailer, ok func(mail.Outgoing) bool) mail.Outgoing {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		list, err := m.Recent(context.Background(), 1)
		if err == nil && len(list) == 1 && ok(list[0]) {
			return list[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	list, _ := m.Recent(context.Background(), 1)
	t.Fatalf("the outbox did not reach the expected state: %+v", list)
	return mail.Outgoing{}
}

func TestBadRecipientIsRefusedAtQueue(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	if err := app.Mailer().Queue(context.Background(), "not an address", "en", "invitation", invitation); err == nil {
		t.Fatal("queued a mail to a non-address")
	}
	if err := app.Mailer().Queue(context.Background(), "a@example.org", "en", "no_such_mail", invitation); err == nil {
		t.Fatal("queued an unknown mail")
	}
}

// TestAGreetingWithoutANameReadsWell: someone without a name on record is
// greeted "Hello," (never "Hello ,"), in each language.
func TestAGreetingWithoutANameReadsWell(t *testing.T) {
	t.Parallel()
	smtpd := coretest.SMTP(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: smtpd.Configure})
	ctx := context.Background()
	for _, c := range []struct{ to, locale, want string }{{"anon-en@example.org", "en", "Hello,"}, {"anon-nl@example.org", "nl", "Hallo,"}} {
		data := map[string]any{"Name": "", "Inviter": "Robin", "Organisation": "Zorg & Co", "Link": "http://127.0.0.1:8080/invitation/abc", "Hours": 72}
		if err := app.Mailer().Queue(ctx, c.to, c.locale, "invitation", data); err != nil {
			t.Fatal(err)
		}
		got := smtpd.WaitFor(c.to)
		for part, body := range map[string]string{"text": got.Part("text/plain"), "html": got.Part("text/html")} {
			if !strings.Contains(body, c.want) || strings.Contains(body, " ,") {
				t.Errorf("%s %s part:\n%s", c.locale, part, body)
			}
		}
	}
}
