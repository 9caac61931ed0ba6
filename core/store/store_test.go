package store_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/store"
)

// testMigrations make two tables and, optionally, fail in the third after
// creating a table, to prove that a failed migration leaves nothing behind.
func testMigrations(failThird bool) []store.Migration {
	table := func(name string) store.Migration {
		return store.Migration{
			Name: name,
			Up: func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, "CREATE TABLE "+strings.SplitN(name, "_", 2)[1]+" (id INTEGER PRIMARY KEY)")
				return err
			},
			Down: func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.ExecContext(ctx, "DROP TABLE "+strings.SplitN(name, "_", 2)[1])
				return err
			},
		}
	}
	ms := []store.Migration{table("20260101000000_alpha"), table("20260102000000_beta")}
	if failThird {
		bad := table("20260103000000_gamma")
		up := bad.Up
		bad.Up = func(ctx context.Context, tx bun.Tx) error {
			if err := up(ctx, tx); err != nil {
				return err
			}
			return errors.New("boom")
		}
		ms = append(ms, bad)
	}
	return ms
}

func open(t *testing.T, cfg config.Database) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestMigrateUpStatusDown(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, cfg config.Database) {
		ctx := context.Background()
		db := open(t, cfg)
		m, err := store.NewMigrator(db, testMigrations(false))
		if err != nil {
			t.Fatal(err)
		}
		st, err := m.Status(ctx)
		if err != nil || len(st) != 2 || st[0].Applied {
			t.Fatalf("fresh status = %+v, %v", st, err)
		}
		if exists, _ := db.TableExists(ctx, "bun_migrations"); exists {
			t.Fatal("status wrote to a fresh database")
		}
		var progress bytes.Buffer
		m.Progress = &progress
		if n, err := m.Up(ctx); err != nil || n != 2 {
			t.Fatalf("up = %d, %v", n, err)
		}
		if !strings.Contains(progress.String(), "applying 20260102000000_beta … ok") {
			t.Errorf("progress = %q", progress.String())
		}
		if n, err := m.Up(ctx); err != nil || n != 0 {
			t.Fatalf("second up = %d, %v", n, err)
		}
		for _, table := range []string{"alpha", "beta"} {
			if ok, _ := db.TableExists(ctx, table); !ok {
				t.Errorf("table %s missing", table)
			}
		}
		if n, err := m.Down(ctx); err != nil || n != 2 {
			t.Fatalf("down = %d, %v", n, err)
		}
		if ok, _ := db.TableExists(ctx, "alpha"); ok {
			t.Error("alpha survived down")
		}
		st, _ = m.Status(ctx)
		if st[0].Applied || st[1].Applied {
			t.Errorf("after down: %+v", st)
		}
	})
}

func TestFailedMigrationKeepsNothing(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, cfg config.Database) {
		ctx := context.Background()
		db := open(t, cfg)
		m, _ := store.NewMigrator(db, testMigrations(true))
		n, err := m.Up(ctx)
		if err == nil || n != 2 || !strings.Contains(err.Error(), "gamma failed, nothing of it was kept") {
			t.Fatalf("up = %d, %v", n, err)
		}
		if ok, _ := db.TableExists(ctx, "gamma"); ok {
			t.Error("the failed migration's table was kept")
		}
		st, _ := m.Status(ctx)
		if !st[0].Applied || !st[1].Applied || st[2].Applied {
			t.Errorf("status = %+v", st)
		}
	})
}

func TestConcurrentMigratorsApplyOnce(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, cfg config.Database) {
		ctx := context.Background()
		var wg sync.WaitGroup
		counts := make([]int, 4)
		errs := make([]error, 4)
		for i := range counts {
			db := open(t, cfg) // a pool of its own, as a separate process would have
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, _ := store.NewMigrator(db, testMigrations(false))
				counts[i], errs[i] = m.Up(ctx)
			}()
		}
		wg.Wait()
		total := 0
		for i := range counts {
			if errs[i] != nil {
				t.Fatalf("migrator %d: %v", i, errs[i])
			}
			total += counts[i]
		}
		if total != 2 {
			t.Fatalf("migrations applied %d times in all, want 2", total)
		}
	})
}

func TestBadMigrationNames(t *testing.T) {
	t.Parallel()
	noop := func(context.Context, bun.Tx) error { return nil }
	for _, name := range []string{"alpha", "2026_alpha", "2026010100000x_alpha"} {
		if _, err := store.NewMigrator(nil, []store.Migration{{Name: name, Up: noop, Down: noop}}); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	dup := []store.Migration{{Name: "20260101000000_a", Up: noop, Down: noop}, {Name: "20260101000000_b", Up: noop, Down: noop}}
	if _, err := store.NewMigrator(nil, dup); err == nil {
		t.Error("duplicate version accepted")
	}
}

func TestUnreachablePostgresIsOneClearLine(t *testing.T) {
	t.Parallel()
	cfg := config.Default().Database
	cfg.URL = "postgres://atrium:secret@127.0.0.1:1/atrium?sslmode=disable&connect_timeout=2"
	_, err := store.Open(context.Background(), cfg)
	if err == nil {
		t.Fatal("opened")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || strings.Contains(msg, "secret") || !strings.Contains(msg, "cannot reach PostgreSQL") || !strings.Contains(msg, "ATRIUM_DATABASE_URL") {
		t.Fatalf("message: %q", msg)
	}
}
