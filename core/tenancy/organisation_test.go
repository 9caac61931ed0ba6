package tenancy_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/tenancy"
)

func TestEnsureCreatesOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
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
