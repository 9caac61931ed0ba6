package tenancy_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/tenancy"
)

func TestEnsureCreatesOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		cfg := config.Default()
		cfg.Database = db
		app, err := core.New(cfg, core.WithLogOutput(io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		ctx := context.Background()
		if _, err := app.Migrate(ctx, nil); err != nil {
			t.Fatal(err)
		}
		orgs := app.Organisations()
		if _, err := orgs.First(ctx); !errors.Is(err, tenancy.ErrNotFound) {
			t.Fatalf("empty database: %v", err)
		}
		var wg sync.WaitGroup
		created := make([]bool, 6)
		for i := range created {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, c, err := orgs.Ensure(ctx, tenancy.Organisation{Slug: "north", Name: "North Care", Locale: "nl", TimeZone: "Europe/Amsterdam"})
				if err != nil {
					t.Error(err)
				}
				created[i] = c
			}()
		}
		wg.Wait()
		n := 0
		for _, c := range created {
			if c {
				n++
			}
		}
		if n != 1 {
			t.Errorf("created %d times", n)
		}
		org, err := orgs.BySlug(ctx, "north")
		if err != nil || org.Name != "North Care" || org.Locale != "nl" {
			t.Fatalf("%+v %v", org, err)
		}
		if _, err := orgs.BySlug(ctx, "south"); !errors.Is(err, tenancy.ErrNotFound) {
			t.Errorf("missing slug: %v", err)
		}
	})
}
