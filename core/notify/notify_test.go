package notify_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/dossier"
)

// TestANoticeAndItsMailAreOneWrite: a notice and its mail are written
// together, in the transaction of the work that caused them: undone with
// it, kept with it; and a person who turned the module's mails off gets the
// notice alone.
func TestANoticeAndItsMailAreOneWrite(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		org := app.OrgOf(t, coach.ID)
		count := func(table, where string, arg any) int {
			n, err := app.DB().NewSelect().Table(table).Where(where, arg).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		notices := func(userID int64) int { return count("notices", "user_id = ?", userID) }
		mails := func(email string) int { return count("mail_outbox", "recipient = ?", email) }
		before, beforeMail := notices(kim.ID), mails(kim.Email)

		undone := errors.New("the work failed")
		err := app.DB().Tx(ctx, func(ctx context.Context) error {
			if err := app.Notifier().Notify(ctx, org, kim.ID, dossier.Module, "dossier.notice.mentioned", "/dossiers"); err != nil {
				return err
			}
			return undone
		})
		if !errors.Is(err, undone) || notices(kim.ID) != before || mails(kim.Email) != beforeMail {
			t.Fatalf("a failed piece of work left its notice or mail: %v, %d notices, %d mails", err, notices(kim.ID)-before, mails(kim.Email)-beforeMail)
		}
		if err := app.Notifier().Notify(ctx, org, kim.ID, dossier.Module, "dossier.notice.mentioned", "/dossiers"); err != nil {
			t.Fatal(err)
		}
		if notices(kim.ID) != before+1 || mails(kim.Email) != beforeMail+1 {
			t.Errorf("a notice: %d notices, %d mails; want one of each", notices(kim.ID)-before, mails(kim.Email)-beforeMail)
		}
		if err := app.Identity().SetMailPreferences(ctx, kim.ID, nil); err != nil {
			t.Fatal(err)
		}
		if err := app.Notifier().Notify(ctx, org, kim.ID, dossier.Module, "dossier.notice.mentioned", "/dossiers"); err != nil {
			t.Fatal(err)
		}
		if notices(kim.ID) != before+2 || mails(kim.Email) != beforeMail+1 {
			t.Errorf("mails turned off: %d notices, %d mails; want the notice alone", notices(kim.ID)-before, mails(kim.Email)-beforeMail)
		}
	})
}
