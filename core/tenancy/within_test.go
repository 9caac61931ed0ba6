package tenancy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestDaughtersStayWithinTheTreeOneManages: someone who manages an
// organisation's tree adds and moves daughters inside it only; another
// tree's organisations are not found or not offered, the tree's own top
// stays, and nothing changes when refused.
func TestDaughtersStayWithinTheTreeOneManages(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		orgs := app.Organisations()
		root, _ := orgs.CreateSubscriber(ctx, details("Zorg Noord"), locales)
		north, _ := orgs.CreateDaughter(ctx, root, details("Locatie Groningen"), locales)
		south, _ := orgs.CreateDaughter(ctx, root, details("Locatie Assen"), locales)
		other, _ := orgs.CreateSubscriber(ctx, details("Elders"), locales)
		team, err := orgs.AddDaughterWithin(ctx, north.ID, north.ID, "Team Oost", locales)
		if err != nil || team.Locale != north.Locale {
			t.Fatalf("a daughter in one's tree: %v %+v", err, team)
		}
		for _, tc := range []struct {
			name string
			err  error
			want error
		}{
			{"a daughter under another tree", func() error { _, err := orgs.AddDaughterWithin(ctx, north.ID, other.ID, "X", locales); return err }(), tenancy.ErrOutsideTree},
			{"a daughter under a sister", func() error { _, err := orgs.AddDaughterWithin(ctx, north.ID, south.ID, "X", locales); return err }(), tenancy.ErrOutsideTree},
			{"moving what is not in the tree", orgs.MoveWithin(ctx, north.ID, south.ID, north.ID), tenancy.ErrNotFound},
			{"moving under another tree", orgs.MoveWithin(ctx, north.ID, team.ID, other.ID), tenancy.ErrOutsideTree},
		} {
			if !errors.Is(tc.err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
			}
		}
		if err := orgs.MoveWithin(ctx, north.ID, north.ID, team.ID); err == nil {
			t.Error("the tree's own top was moved")
		}
		if tree, _ := orgs.Subtree(ctx, other.ID); len(tree) != 1 {
			t.Errorf("another tree changed: %v", tree)
		}
		if lineage, _ := orgs.Lineage(ctx, team.ID); len(lineage) != 3 || lineage[1].ID != north.ID {
			t.Errorf("a refused move changed the tree: %v", lineage)
		}
		if err := orgs.MoveWithin(ctx, root.ID, team.ID, south.ID); err != nil {
			t.Fatalf("a move within the tree: %v", err)
		}
		if lineage, _ := orgs.Lineage(ctx, team.ID); lineage[1].ID != south.ID {
			t.Errorf("the team is not under the south: %v", lineage)
		}
	})
}
