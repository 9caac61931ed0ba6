package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

func ptr(n int64) *int64 { return &n }

// actions lists the events' actions, newest first as they came.
func actions(list []audit.Event) string {
	var out []string
	for _, e := range list {
		out = append(out, e.Action)
	}
	return strings.Join(out, ",")
}

// TestRecord: an event without a moment gets the present one; one with a
// moment keeps it; an event recorded in a change's transaction goes with
// the change.
func TestRecord(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := audit.NewService(app.DB())
		const org = 41
		before := time.Now().Add(-time.Second)
		if err := svc.Record(ctx, audit.Event{OrganisationID: ptr(org), Action: "people.invited", IP: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		then := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		if err := svc.Record(ctx, audit.Event{OrganisationID: ptr(org), Action: "people.role_changed", CreatedAt: then}); err != nil {
			t.Fatal(err)
		}
		undone := errors.New("the change failed")
		err := app.DB().Tx(ctx, func(ctx context.Context) error {
			if err := audit.Record(ctx, app.DB().In(ctx), audit.Event{OrganisationID: ptr(org), Action: "people.removed"}); err != nil {
				return err
			}
			return undone
		})
		if !errors.Is(err, undone) {
			t.Fatal(err)
		}
		list, err := svc.InOrganisations(ctx, []int64{org}, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := actions(list); got != "people.role_changed,people.invited" {
			t.Fatalf("recorded %s", got)
		}
		if at := list[1].CreatedAt; at.Before(before) || at.After(time.Now()) || list[1].IP != "10.0.0.1" {
			t.Errorf("an event without a moment was recorded at %s from %q", at, list[1].IP)
		}
		if at := list[0].CreatedAt; !at.Equal(then) {
			t.Errorf("an event of %s was recorded at %s", then, at)
		}
	})
}

// TestInOrganisations: an organisation's log holds its own events only,
// newest first, narrowed by area, dates and a limit.
func TestInOrganisations(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := audit.NewService(app.DB())
		const harbour, north, quiet = 1, 2, 3
		day := func(d int) time.Time { return time.Date(2026, 5, d, 12, 0, 0, 0, time.UTC) }
		for _, e := range []audit.Event{
			{OrganisationID: ptr(harbour), Action: "people.invited", CreatedAt: day(1)},
			{OrganisationID: ptr(north), Action: "people.invited", CreatedAt: day(2)},
			{OrganisationID: ptr(harbour), Action: "organisation.updated", CreatedAt: day(3)},
			{OrganisationID: nil, Action: "identity.signed_in", CreatedAt: day(4)}, // a person's own account
			{OrganisationID: ptr(harbour), Action: "peoplex.exported", CreatedAt: day(5)},
			{OrganisationID: ptr(harbour), Action: "people", CreatedAt: day(6)},
			{OrganisationID: ptr(harbour), Action: "people.role_changed", CreatedAt: day(7)},
		} {
			if err := svc.Record(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name string
			orgs []int64
			f    audit.Filter
			want string
		}{
			{"everything of Harbour", []int64{harbour}, audit.Filter{}, "people.role_changed,people,peoplex.exported,organisation.updated,people.invited"},
			{"Harbour and North", []int64{harbour, north}, audit.Filter{Area: "people"}, "people.role_changed,people.invited,people.invited"},
			{"North", []int64{north}, audit.Filter{}, "people.invited"},
			{"an organisation without events", []int64{quiet}, audit.Filter{}, ""},
			{"no organisation", nil, audit.Filter{}, ""},
			{"an area: its actions only, not one merely starting alike", []int64{harbour}, audit.Filter{Area: "people"}, "people.role_changed,people.invited"},
			{"another area", []int64{harbour}, audit.Filter{Area: "organisation"}, "organisation.updated"},
			{"an area nobody acted in", []int64{harbour}, audit.Filter{Area: "identity"}, ""},
			{"from a moment on", []int64{harbour}, audit.Filter{From: day(5)}, "people.role_changed,people,peoplex.exported"},
			{"before a moment", []int64{harbour}, audit.Filter{To: day(5)}, "organisation.updated,people.invited"},
			{"between two moments", []int64{harbour}, audit.Filter{From: day(3), To: day(6)}, "peoplex.exported,organisation.updated"},
			{"moments in another zone", []int64{harbour}, audit.Filter{From: day(3).In(time.FixedZone("UTC-8", -8*3600)), To: day(6).In(time.FixedZone("UTC+9", 9*3600))}, "peoplex.exported,organisation.updated"},
			{"an area between moments", []int64{harbour}, audit.Filter{Area: "people", From: day(2), To: day(8)}, "people.role_changed"},
			{"the newest two", []int64{harbour}, audit.Filter{Limit: 2}, "people.role_changed,people"},
			{"the newest of an area", []int64{harbour, north}, audit.Filter{Area: "people", Limit: 2}, "people.role_changed,people.invited"},
		} {
			list, err := svc.InOrganisations(ctx, tc.orgs, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := actions(list); got != tc.want {
				t.Errorf("%s: %s\n\twant %s", tc.name, got, tc.want)
			}
			for _, e := range list {
				if e.OrganisationID == nil {
					t.Errorf("%s: an event of no organisation is listed", tc.name)
				}
			}
		}
	})
}

// TestInOrganisationsLimitsByDefault: without a limit, the newest 200.
func TestInOrganisationsLimitsByDefault(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		const org = 7
		err := app.DB().Tx(ctx, func(ctx context.Context) error {
			for i := range 205 {
				if err := audit.Record(ctx, app.DB().In(ctx), audit.Event{OrganisationID: ptr(org), Action: fmt.Sprintf("people.n%d", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		list, err := audit.InOrganisations(ctx, app.DB(), []int64{org}, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 200 || list[0].Action != "people.n204" || list[199].Action != "people.n5" {
			t.Errorf("%d events, from %s to %s", len(list), list[0].Action, list[len(list)-1].Action)
		}
	})
}

// TestFor: a person's own log holds what they did and what was done to
// them, in any organisation or none, newest first.
func TestFor(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		const kim, chris, eva = 11, 12, 13
		for _, e := range []audit.Event{
			{OrganisationID: ptr(1), ActorID: ptr(chris), SubjectID: ptr(kim), Action: "people.invited"},
			{ActorID: ptr(kim), SubjectID: ptr(kim), Action: "identity.signed_in"},
			{OrganisationID: ptr(1), ActorID: ptr(chris), SubjectID: ptr(eva), Action: "people.role_changed"},
			{OrganisationID: ptr(2), ActorID: ptr(kim), SubjectID: ptr(eva), Action: "dossier.shared"},
			{SubjectID: ptr(kim), Action: "identity.locked"}, // by the system
			{ActorID: ptr(eva), Action: "identity.signed_out"},
		} {
			if err := audit.Record(ctx, app.DB(), e); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name   string
			person int64
			limit  int
			want   string
		}{
			{"Kim", kim, 10, "identity.locked,dossier.shared,identity.signed_in,people.invited"},
			{"Kim, the newest two", kim, 2, "identity.locked,dossier.shared"},
			{"Chris", chris, 10, "people.role_changed,people.invited"},
			{"Eva", eva, 10, "identity.signed_out,dossier.shared,people.role_changed"},
			{"someone else", 99, 10, ""},
		} {
			list, err := audit.For(ctx, app.DB(), tc.person, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := actions(list); got != tc.want {
				t.Errorf("%s: %s\n\twant %s", tc.name, got, tc.want)
			}
		}
	})
}
