package pluginhost_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/coretest"
)

// TestAnEventOfASlowTransactionIsNotLost: on PostgreSQL an event's id is
// taken when it is written but seen when its transaction commits. One
// organisation's writers take turns, so a transaction that took an id and
// commits late is never passed over by a reader that saw a later one: the
// later writer waits, and both come, in order.
func TestAnEventOfASlowTransactionIsNotLost(t *testing.T) {
	t.Parallel()
	app := heraldApp(t, coretest.Postgres(t))
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	org := app.DemoOrg(t)
	inserted, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- app.DB().Tx(context.Background(), func(ctx context.Context) error {
			// Any change that emits and then takes a moment to commit.
			if err := app.Events().Emit(ctx, org, 0, "herald", "herald.said", []byte("early")); err != nil {
				return err
			}
			close(inserted)
			<-release
			return nil
		})
	}()
	<-inserted
	said := make(chan struct{})
	go func() {
		defer close(said)
		say(t, coach, "late", "", 200) // waits for the early one to commit
	}()
	time.Sleep(500 * time.Millisecond)
	if all, _ := heard(t, coach); len(all) > 0 && strings.Contains(strings.Join(all, ","), "late") {
		t.Fatalf("the later event came while the earlier one was not committed: %q", all)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-said
	got := waitHeard(t, coach, regexp.MustCompile(`^(early|late)$`), 2)
	if strings.Join(got, ",") != "early,late" {
		t.Errorf("heard %q", got)
	}
}
