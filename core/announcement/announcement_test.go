package announcement_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/announcement"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// announcer records what Post tells people, and fails when told to.
type announcer struct {
	told []string
	fail error
}

func (a *announcer) Announced(_ context.Context, x *announcement.Announcement) error {
	a.told = append(a.told, x.Title)
	return a.fail
}

// TestPost: a title of 1 to 120 letters and a text of 1 to 5000, trimmed;
// a refusal writes nothing and tells nobody, and a failure to tell people
// takes the announcement back.
func TestPost(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		admin, err := app.Identity().ByEmail(ctx, "admin@harbour.example")
		if err != nil {
			t.Fatal(err)
		}
		org := app.OrgOf(t, admin.ID)
		tell := &announcer{}
		svc := announcement.NewService(app.DB(), tell)
		count := func() int {
			n, err := app.DB().NewSelect().Table("announcements").Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		before := count()

		long := func(n int) string { return strings.Repeat("ë", n) } // letters, not bytes
		for _, tc := range []struct {
			name, title, body string
			refused           []string
		}{
			{"no title", "", "Text", []string{"title"}},
			{"a blank title", " \t\n", "Text", []string{"title"}},
			{"a title too long", long(121), "Text", []string{"title"}},
			{"no text", "Title", "", []string{"body"}},
			{"a blank text", "Title", "   ", []string{"body"}},
			{"a text too long", "Title", long(5001), []string{"body"}},
			{"neither", " ", long(5001), []string{"body", "title"}},
		} {
			a, err := svc.Post(ctx, org, admin.ID, tc.title, tc.body)
			var inv *announcement.Invalid
			if !errors.As(err, &inv) || a != nil {
				t.Errorf("%s: %v, want a refusal", tc.name, err)
				continue
			}
			var got []string
			for field, msg := range inv.Fields {
				if msg == "" {
					t.Errorf("%s: %s refused without a message", tc.name, field)
				}
				got = append(got, field)
			}
			slices.Sort(got)
			if strings.Join(got, ",") != strings.Join(tc.refused, ",") {
				t.Errorf("%s: refused %v, want %v", tc.name, got, tc.refused)
			}
		}
		if n := count(); n != before || len(tell.told) != 0 {
			t.Fatalf("refused announcements: %d written, %d told", n-before, len(tell.told))
		}

		a, err := svc.Post(ctx, org, admin.ID, "  "+long(120)+"\n", "\t"+long(5000)+" ")
		if err != nil {
			t.Fatalf("the longest announcement: %v", err)
		}
		if a.Title != long(120) || a.Body != long(5000) || a.ID == 0 || a.OrganisationID != org || a.AuthorID != admin.ID {
			t.Errorf("posted %q…, %d letters of text, id %d", a.Title[:10], len([]rune(a.Body)), a.ID)
		}
		if len(tell.told) != 1 || tell.told[0] != long(120) {
			t.Errorf("told %d times", len(tell.told))
		}
		recent, err := svc.Recent(ctx, org, 1)
		if err != nil || len(recent) != 1 || recent[0].ID != a.ID || recent[0].Title != long(120) {
			t.Errorf("the newest announcement: %+v %v", recent, err)
		}

		// Telling people fails: the announcement is taken back.
		tell.fail = errors.New("no notices today")
		if _, err := svc.Post(ctx, org, admin.ID, "Lost", "Never seen"); !errors.Is(err, tell.fail) {
			t.Errorf("post when telling fails: %v", err)
		}
		if n := count(); n != before+1 {
			t.Errorf("an announcement nobody was told of stays: %d written", n-before)
		}
	})
}

// TestRecentAndNewCount: an organisation sees its own announcements,
// newest first, and counts those after a moment.
func TestRecentAndNewCount(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		svc := announcement.NewService(app.DB(), nil) // tells nobody
		harbour := app.Organisation(t, "harbour", "Harbour").ID
		north := app.Organisation(t, "north", "North").ID
		start := time.Now().Add(-time.Second)
		for _, p := range []struct {
			org   int64
			title string
		}{{harbour, "First"}, {north, "Elsewhere"}, {harbour, "Second"}, {harbour, "Third"}} {
			if _, err := svc.Post(ctx, p.org, 1, p.title, "Text"); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			org   int64
			limit int
			want  string
		}{
			{harbour, 10, "Third,Second,First"},
			{harbour, 2, "Third,Second"},
			{north, 10, "Elsewhere"},
			{app.Organisation(t, "empty", "Empty").ID, 10, ""},
		} {
			list, err := svc.Recent(ctx, tc.org, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range list {
				got = append(got, a.Title)
			}
			if strings.Join(got, ",") != tc.want {
				t.Errorf("Recent(%d, %d) = %v, want %s", tc.org, tc.limit, got, tc.want)
			}
		}
		for _, tc := range []struct {
			name  string
			org   int64
			since time.Time
			want  int
		}{
			{"Harbour since the start", harbour, start, 3},
			{"North since the start", north, start, 1},
			{"Harbour from now on", harbour, time.Now().Add(time.Second), 0},
			{"a moment in another zone", harbour, start.In(time.FixedZone("UTC+5", 5*3600)), 3},
		} {
			if n, err := svc.NewCount(ctx, tc.org, 0, tc.since); err != nil || n != tc.want {
				t.Errorf("%s: %d %v, want %d", tc.name, n, err, tc.want)
			}
		}
	})
}
