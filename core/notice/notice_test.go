package notice_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/notice"
)

// TestNoticesArePerPersonAndOrganisation: a person counts, lists, opens
// and marks read their own notices of one organisation, and nobody else's.
func TestNoticesArePerPersonAndOrganisation(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := notice.NewService(app.DB())
		const harbour, north = 1, 2
		const kim, chris = 10, 20
		add := func(org, user int64, link string) *notice.Notice {
			t.Helper()
			n := &notice.Notice{OrganisationID: org, UserID: user, Module: "dossiers", Message: "dossier.notice.mentioned", Link: link}
			if err := svc.Add(ctx, n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := time.Now().Add(-time.Second)
		first := add(harbour, kim, "/dossiers/1")
		second := add(harbour, kim, "/dossiers/2")
		third := add(harbour, kim, "/dossiers/3")
		add(north, kim, "/dossiers/9")
		add(harbour, chris, "/dossiers/1")
		if first.ID == 0 || first.CreatedAt.Before(before) || first.CreatedAt.After(time.Now()) {
			t.Errorf("an added notice: id %d at %s", first.ID, first.CreatedAt)
		}

		unread := func(org, user int64) int {
			t.Helper()
			n, err := svc.Unread(ctx, org, user)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		recent := func(org, user int64, limit int) string {
			t.Helper()
			list, err := svc.Recent(ctx, org, user, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range list {
				s := n.Link
				if n.ReadAt != nil {
					s += " (read)"
				}
				out = append(out, s)
			}
			return strings.Join(out, ",")
		}
		for _, tc := range []struct {
			name      string
			org, user int64
			unread    int
			recent    string
		}{
			{"Kim in Harbour", harbour, kim, 3, "/dossiers/3,/dossiers/2,/dossiers/1"},
			{"Kim in North", north, kim, 1, "/dossiers/9"},
			{"Chris in Harbour", harbour, chris, 1, "/dossiers/1"},
			{"Chris in North", north, chris, 0, ""},
		} {
			if got := unread(tc.org, tc.user); got != tc.unread {
				t.Errorf("%s: %d unread, want %d", tc.name, got, tc.unread)
			}
			if got := recent(tc.org, tc.user, 10); got != tc.recent {
				t.Errorf("%s: recent %s, want %s", tc.name, got, tc.recent)
			}
		}
		if got := recent(harbour, kim, 2); got != "/dossiers/3,/dossiers/2" {
			t.Errorf("Kim's newest two: %s", got)
		}

		// Opening: one's own notice only, in the organisation it is of.
		for _, tc := range []struct {
			name      string
			org, user int64
			id        int64
		}{
			{"another person's", harbour, chris, second.ID},
			{"in another organisation", north, kim, second.ID},
			{"one that does not exist", harbour, kim, third.ID + 1000},
		} {
			if link, err := svc.Open(ctx, tc.org, tc.user, tc.id); !errors.Is(err, notice.ErrNotFound) || link != "" {
				t.Errorf("opening %s notice: %q %v", tc.name, link, err)
			}
		}
		if unread(harbour, kim) != 3 || unread(harbour, chris) != 1 {
			t.Fatal("a refused opening marked a notice read")
		}
		link, err := svc.Open(ctx, harbour, kim, second.ID)
		if err != nil || link != "/dossiers/2" {
			t.Fatalf("opening Kim's notice: %q %v", link, err)
		}
		if got := recent(harbour, kim, 10); got != "/dossiers/3,/dossiers/2 (read),/dossiers/1" || unread(harbour, kim) != 2 {
			t.Errorf("after opening: %s, %d unread", got, unread(harbour, kim))
		}
		readAt := func(id int64) time.Time {
			t.Helper()
			var at time.Time
			if err := app.DB().NewSelect().Table("notices").Column("read_at").Where("id = ?", id).Scan(ctx, &at); err != nil {
				t.Fatal(err)
			}
			return at
		}
		opened := readAt(second.ID)
		time.Sleep(5 * time.Millisecond)
		if link, err := svc.Open(ctx, harbour, kim, second.ID); err != nil || link != "/dossiers/2" {
			t.Errorf("opening a read notice again: %q %v", link, err)
		}
		if again := readAt(second.ID); !again.Equal(opened) {
			t.Errorf("opening again moved the moment it was read from %s to %s", opened, again)
		}

		// Reading all: one person's, in one organisation.
		if err := svc.ReadAll(ctx, harbour, kim); err != nil {
			t.Fatal(err)
		}
		if unread(harbour, kim) != 0 || unread(north, kim) != 1 || unread(harbour, chris) != 1 {
			t.Errorf("after Kim read all in Harbour: %d, in North %d, Chris %d", unread(harbour, kim), unread(north, kim), unread(harbour, chris))
		}
		if again := readAt(second.ID); !again.Equal(opened) {
			t.Error("reading all moved the moment a read notice was read")
		}
	})
}

// TestAddMany: one kind of notice for many people at once, all at one
// moment, in the transaction of the work that causes them.
func TestAddMany(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := notice.NewService(app.DB())
		const org = 1
		list := func(people ...int64) []notice.Notice {
			var out []notice.Notice
			for _, p := range people {
				out = append(out, notice.Notice{OrganisationID: org, UserID: p, Module: "announcements", Message: "announcement.notice", Link: "/announcements"})
			}
			return out
		}
		if err := svc.AddMany(ctx, nil); err != nil {
			t.Errorf("adding none: %v", err)
		}
		undone := errors.New("the announcement failed")
		err := app.DB().Tx(ctx, func(ctx context.Context) error {
			if err := svc.AddMany(ctx, list(1, 2, 3)); err != nil {
				return err
			}
			return undone
		})
		if !errors.Is(err, undone) {
			t.Fatal(err)
		}
		for _, p := range []int64{1, 2, 3} {
			if n, _ := svc.Unread(ctx, org, p); n != 0 {
				t.Errorf("person %d keeps %d notices of undone work", p, n)
			}
		}
		many := list(1, 2, 3)
		if err := svc.AddMany(ctx, many); err != nil {
			t.Fatal(err)
		}
		for _, p := range []int64{1, 2, 3} {
			if n, _ := svc.Unread(ctx, org, p); n != 1 {
				t.Errorf("person %d has %d notices, want 1", p, n)
			}
		}
		if n, _ := svc.Unread(ctx, org, 4); n != 0 {
			t.Errorf("someone not in the list has %d notices", n)
		}
		if many[0].CreatedAt.IsZero() || !many[1].CreatedAt.Equal(many[0].CreatedAt) || !many[2].CreatedAt.Equal(many[0].CreatedAt) {
			t.Errorf("the notices are of different moments: %s %s %s", many[0].CreatedAt, many[1].CreatedAt, many[2].CreatedAt)
		}
	})
}

// TestCounts: what waits for a person in a module is theirs, in one
// organisation; 0 until the module says, and what it says last.
func TestCounts(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := notice.NewService(app.DB())
		const harbour, north, kim, chris = 1, 2, 10, 20
		set := func(org, user int64, module string, n int) {
			t.Helper()
			if err := svc.SetCount(ctx, org, user, module, n); err != nil {
				t.Fatal(err)
			}
		}
		set(harbour, kim, "chat", 3)
		set(harbour, kim, "chat", 5) // said again
		set(harbour, kim, "agenda", 1)
		set(north, kim, "chat", 7)
		set(harbour, chris, "chat", 0)
		for _, tc := range []struct {
			name      string
			org, user int64
			module    string
			want      int
		}{
			{"what was said last", harbour, kim, "chat", 5},
			{"another module", harbour, kim, "agenda", 1},
			{"another organisation", north, kim, "chat", 7},
			{"a count of 0", harbour, chris, "chat", 0},
			{"another person, never said", north, chris, "chat", 0},
			{"a module that never said", harbour, kim, "files", 0},
		} {
			if n, err := svc.Count(ctx, tc.org, tc.user, tc.module); err != nil || n != tc.want {
				t.Errorf("%s: %d %v, want %d", tc.name, n, err, tc.want)
			}
		}
	})
}
