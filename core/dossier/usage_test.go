package dossier_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/dossier"
)

// TestModulesRecordTheirOwnUsage: each module's record of a trajectory's
// sessions stands beside the others' (none overwrites another's), the
// trajectory counts their sum, and a refused record changes nothing.
func TestModulesRecordTheirOwnUsage(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		admin, _ := app.Identity().ByEmail(ctx, "admin@harbour.example")
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		org := app.OrgOf(t, admin.ID)
		who := dossier.Who{UserID: admin.ID, OrgID: org, Can: access.Set{}.Add(app.Access().Permissions()...)}
		id, err := app.Dossiers().Own(ctx, org, kim.ID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := app.Dossiers().Trajectories(ctx, id)
		if err != nil || len(list) == 0 {
			t.Fatalf("the demo's trajectory: %v %v", list, err)
		}
		tr := list[0].ID
		counts := func() (int, int) {
			list, err := app.Dossiers().Trajectories(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range list {
				if x.ID == tr {
					return x.SessionsBooked, x.SessionsUsed
				}
			}
			t.Fatal("the trajectory is gone")
			return 0, 0
		}
		for _, step := range []struct {
			module       string
			booked, used int
			want         error
			sumB, sumU   int
		}{
			{"agenda", 2, 1, nil, 2, 1},
			{"groups", 1, 3, nil, 3, 4},
			{"agenda", 0, 2, nil, 1, 5},
			{"groups", -1, 0, &dossier.Invalid{}, 1, 5},
			{"groups", 0, 1001, &dossier.Invalid{}, 1, 5},
		} {
			err := app.Dossiers().RecordUsage(ctx, who, step.module, id, tr, step.booked, step.used)
			if step.want == nil && err != nil || step.want != nil && !errors.As(err, new(*dossier.Invalid)) {
				t.Errorf("%s %d/%d: %v", step.module, step.booked, step.used, err)
			}
			if b, u := counts(); b != step.sumB || u != step.sumU {
				t.Errorf("after %s %d/%d: the trajectory counts %d booked, %d used; want %d, %d", step.module, step.booked, step.used, b, u, step.sumB, step.sumU)
			}
		}
		if err := app.Dossiers().RecordUsage(ctx, who, "agenda", id, 999999, 1, 1); !errors.Is(err, dossier.ErrNotFound) {
			t.Errorf("another trajectory: %v", err)
		}
	})
}
