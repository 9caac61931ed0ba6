package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestTheLogForgetsOnlyWhatIsOld: a purge removes the events written
// before its cutoff and keeps the rest, on both databases.
func TestTheLogForgetsOnlyWhatIsOld(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		org := app.Organisation(t, "somewhere", "Somewhere").ID
		for range 3 {
			if err := app.Events().Emit(ctx, org, 0, "core", "test.said", []byte("{}")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := app.DB().NewRaw("UPDATE events SET created_at = ? WHERE id IN (SELECT id FROM events ORDER BY id LIMIT 2)", time.Now().AddDate(-3, 0, 0).UTC()).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		gone, err := app.Events().Purge(ctx, time.Now().AddDate(-2, 0, 0))
		if err != nil || gone != 2 {
			t.Fatalf("purged %d: %v", gone, err)
		}
		left, err := app.Events().After(ctx, org, 0, []string{"test.said"}, 10)
		if err != nil || len(left) != 1 {
			t.Errorf("left %d: %v", len(left), err)
		}
		if err := app.Events().Emit(ctx, org, 0, "core", "test.said", make([]byte, 65<<10)); err == nil {
			t.Error("a payload over 64 KiB was written")
		}
	})
}
