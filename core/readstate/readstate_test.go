package readstate_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/readstate"
)

func ptr(n int64) *int64 { return &n }

// TestItemsAreNewToEveryoneButTheirAuthor: an item is new to everyone but
// its author until they mark it read, per person; marked new again, it is
// new again; refs nobody recorded are read.
func TestItemsAreNewToEveryoneButTheirAuthor(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := readstate.NewService(app.DB())
		const org, kims, evas = 1, 100, 200 // two dossiers
		const kim, chris, eva = 10, 20, 30
		add := func(dossier int64, kind, ref string, author *int64) {
			t.Helper()
			it := &readstate.Item{OrganisationID: org, DossierID: dossier, Kind: kind, Ref: ref, AuthorID: author}
			if err := readstate.Add(ctx, svc.DB(), it); err != nil {
				t.Fatal(err)
			}
			if it.ID == 0 || it.CreatedAt.IsZero() {
				t.Errorf("added %+v", it)
			}
		}
		add(kims, "trajectory", "1", ptr(chris))
		add(kims, "chat.message", "1", ptr(kim)) // the same ref, another kind
		add(kims, "chat.message", "2", nil)      // by the system
		add(evas, "trajectory", "1", ptr(chris)) // the same ref, another dossier

		read := func(user, dossier int64, kind string, refs ...string) string {
			t.Helper()
			got, err := svc.Read(ctx, user, dossier, kind, refs)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(refs) {
				t.Errorf("Read answered %v for %v", got, refs)
			}
			return fmt.Sprint(got)
		}
		for _, tc := range []struct {
			name, kind string
			user       int64
			dossier    int64
			refs       []string
			want       string
		}{
			{"the author of a trajectory", "trajectory", chris, kims, []string{"1"}, "map[1:true]"},
			{"the person of the dossier", "trajectory", kim, kims, []string{"1"}, "map[1:false]"},
			{"their own message and one by the system", "chat.message", kim, kims, []string{"1", "2"}, "map[1:true 2:false]"},
			{"someone else's messages", "chat.message", chris, kims, []string{"1", "2"}, "map[1:false 2:false]"},
			{"refs nobody recorded", "chat.message", kim, kims, []string{"3", "x"}, "map[3:true x:true]"},
			{"a kind nobody recorded", "files.document", kim, kims, []string{"1"}, "map[1:true]"},
			{"another dossier's ref", "chat.message", chris, evas, []string{"1"}, "map[1:true]"},
			{"no refs", "trajectory", kim, kims, nil, "map[]"},
		} {
			if got := read(tc.user, tc.dossier, tc.kind, tc.refs...); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
			}
		}

		mark := func(user, dossier int64, kind, ref string, asRead bool) bool {
			t.Helper()
			found, err := svc.Mark(ctx, user, dossier, kind, ref, asRead)
			if err != nil {
				t.Fatalf("Mark %d %s %s %v: %v", dossier, kind, ref, asRead, err)
			}
			return found
		}
		for _, tc := range []struct {
			name      string
			dossier   int64
			kind, ref string
		}{
			{"a ref nobody recorded", kims, "trajectory", "2"},
			{"a kind nobody recorded", kims, "files.document", "1"},
			{"another dossier's item", evas, "chat.message", "1"},
		} {
			if mark(kim, tc.dossier, tc.kind, tc.ref, true) || mark(kim, tc.dossier, tc.kind, tc.ref, false) {
				t.Errorf("marking %s found an item", tc.name)
			}
		}
		for _, step := range []struct {
			name   string
			user   int64
			kind   string
			asRead bool
			want   string
			kim    string // the item as Kim sees it then
		}{
			{"Kim reads the trajectory", kim, "trajectory", true, "map[1:true]", "map[1:true]"},
			{"Kim reads it again", kim, "trajectory", true, "map[1:true]", "map[1:true]"},
			{"its author marks it new", chris, "trajectory", false, "map[1:false]", "map[1:true]"},
			{"Kim marks it new", kim, "trajectory", false, "map[1:false]", "map[1:false]"},
			{"Kim marks it new again", kim, "trajectory", false, "map[1:false]", "map[1:false]"},
			{"Eva reads someone's message", eva, "chat.message", true, "map[1:true]", "map[1:true]"},
		} {
			if !mark(step.user, kims, step.kind, "1", step.asRead) {
				t.Fatalf("%s: no such item", step.name)
			}
			if got := read(step.user, kims, step.kind, "1"); got != step.want {
				t.Errorf("%s: %s, want %s", step.name, got, step.want)
			}
			if got := read(kim, kims, step.kind, "1"); got != step.kim {
				t.Errorf("%s: to Kim %s, want %s", step.name, got, step.kim)
			}
		}
		if got := read(chris, kims, "chat.message", "1"); got != "map[1:false]" {
			t.Errorf("Eva's reading marked the message read for Chris: %s", got)
		}
		if got := read(chris, evas, "trajectory", "1"); got != "map[1:true]" {
			t.Errorf("marking a trajectory new in Kim's dossier marked Eva's: %s", got)
		}
	})
}

// TestNewCounts: what is new to a person, per dossier and per kind.
func TestNewCounts(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := readstate.NewService(app.DB())
		const org, kims, evas, quiet = 1, 100, 200, 300
		const kim, chris = 10, 20
		for _, it := range []readstate.Item{
			{DossierID: kims, Kind: "trajectory", Ref: "1", AuthorID: ptr(chris)},
			{DossierID: kims, Kind: "chat.message", Ref: "1", AuthorID: ptr(kim)},
			{DossierID: kims, Kind: "chat.message", Ref: "2", AuthorID: ptr(chris)},
			{DossierID: kims, Kind: "chat.message", Ref: "3"},
			{DossierID: evas, Kind: "trajectory", Ref: "1", AuthorID: ptr(chris)},
			{DossierID: evas, Kind: "trajectory", Ref: "2", AuthorID: ptr(chris)},
		} {
			it.OrganisationID = org
			if err := readstate.Add(ctx, svc.DB(), &it); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Mark(ctx, kim, kims, "chat.message", "3", true); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name     string
			user     int64
			dossiers []int64
			want     map[int64]int
		}{
			{"Kim", kim, []int64{kims, evas, quiet}, map[int64]int{kims: 2, evas: 2}},
			{"Kim, her own dossier", kim, []int64{kims}, map[int64]int{kims: 2}},
			{"Chris", chris, []int64{kims, evas}, map[int64]int{kims: 2}},
			{"nobody's dossier", kim, []int64{quiet}, map[int64]int{}},
			{"no dossiers", kim, nil, map[int64]int{}},
		} {
			got, err := svc.NewPerDossier(ctx, tc.user, tc.dossiers)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
		for _, tc := range []struct {
			name    string
			user    int64
			dossier int64
			want    map[string]int
		}{
			{"Kim in her dossier", kim, kims, map[string]int{"trajectory": 1, "chat.message": 1}},
			{"Chris in Kim's", chris, kims, map[string]int{"chat.message": 2}},
			{"Chris in Eva's", chris, evas, map[string]int{}},
			{"Kim in one with nothing", kim, quiet, map[string]int{}},
		} {
			got, err := svc.NewPerKind(ctx, tc.user, tc.dossier)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
	})
}

// TestAddIsPartOfItsChange: an item and its author's mark are written in
// the caller's transaction and undone with it.
func TestAddIsPartOfItsChange(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := readstate.NewService(app.DB())
		undone := errors.New("the message was not sent")
		err := app.DB().Tx(ctx, func(ctx context.Context) error {
			if err := readstate.Add(ctx, app.DB().In(ctx), &readstate.Item{OrganisationID: 1, DossierID: 100, Kind: "chat.message", Ref: "1", AuthorID: ptr(20)}); err != nil {
				return err
			}
			return undone
		})
		if !errors.Is(err, undone) {
			t.Fatal(err)
		}
		for table, n := range map[string]int{"dossier_items": 0, "read_marks": 0} {
			got, err := app.DB().NewSelect().Table(table).Count(ctx)
			if err != nil || int(got) != n {
				t.Errorf("%s holds %d rows after the change was undone (%v)", table, got, err)
			}
		}
		if found, err := svc.Mark(ctx, 10, 100, "chat.message", "1", true); found || err != nil {
			t.Errorf("marking an undone item: %v %v", found, err)
		}
	})
}
