package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/store"
)

// TestTheTransactionTravelsInTheContext: what runs through In inside Tx is
// kept or undone with the transaction, a Tx inside a Tx joins it, and
// outside one In is the database.
func TestTheTransactionTravelsInTheContext(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, cfg config.Database) {
		ctx := context.Background()
		db, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.In(ctx).ExecContext(ctx, "CREATE TABLE tx_travels (n INTEGER)"); err != nil {
			t.Fatal(err)
		}
		insert := func(ctx context.Context, n int) error {
			_, err := db.In(ctx).ExecContext(ctx, "INSERT INTO tx_travels (n) VALUES (?)", n)
			return err
		}
		failed := errors.New("refused")
		err = db.Tx(ctx, func(ctx context.Context) error {
			if err := insert(ctx, 1); err != nil {
				return err
			}
			// A second Tx joins the first: its rows go when the first fails.
			if err := db.Tx(ctx, func(ctx context.Context) error { return insert(ctx, 2) }); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("the failing transaction: %v", err)
		}
		if err := db.Tx(ctx, func(ctx context.Context) error { return insert(ctx, 3) }); err != nil {
			t.Fatal(err)
		}
		if err := insert(ctx, 4); err != nil {
			t.Fatal(err)
		}
		var kept []int
		if err := db.NewRaw("SELECT n FROM tx_travels ORDER BY n").Scan(ctx, &kept); err != nil {
			t.Fatal(err)
		}
		if len(kept) != 2 || kept[0] != 3 || kept[1] != 4 {
			t.Errorf("rows kept: %v, want [3 4]", kept)
		}
	})
}
