package directory_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

var locales = []string{"en"}

func details(name string) tenancy.Details {
	return tenancy.Details{Name: name, Locale: "en", TimeZone: "Europe/Amsterdam"}
}

// seed makes an account that is a member of org with a role; with a
// second factor or without.
func seed(t *testing.T, app *coretest.App, org *tenancy.Organisation, email, given, family string, role access.Role, factor bool) *identity.User {
	t.Helper()
	secret := ""
	if factor {
		secret = demo.TOTPSecret
	}
	u, _, err := app.Identity().Seed(context.Background(), org, identity.Invitee{Email: email, GivenName: given, FamilyName: family, Role: role}, demo.Password, secret)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// names lists a page's people by given name.
func names(p directory.Page) string {
	var out []string
	for _, x := range p.People {
		out = append(out, x.GivenName)
	}
	return strings.Join(out, ",")
}

// TestList: the directory searches, filters, sorts and pages one
// organisation's people, or it and its daughters'.
func TestList(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		dir := directory.NewService(app.DB())
		orgs := app.Organisations()
		north := app.Organisation(t, "north", "North Care")
		east, err := orgs.CreateDaughter(ctx, north, details("North East"), locales)
		if err != nil {
			t.Fatal(err)
		}
		empty := app.Organisation(t, "empty", "Empty")

		// Family names sort without regard to case ("appel" before "Berg"),
		// two alike by account; "_" and "%" in a search are letters.
		bob := seed(t, app, north, "bob@north.example", "Bob", "appel", access.RoleCoach, false)
		seed(t, app, north, "cleo@north.example", "Cleo", "Berg", access.RoleCoachee, true)
		seed(t, app, north, "fay@north.example", "Fay", "Berg", access.RoleCoachee, true)
		dirk := seed(t, app, north, "dirk@north.example", "Dirk", "Ter_Steeg", access.RoleCoachee, true)
		seed(t, app, north, "evi100@north.example", "Evi", "Werlsteeg", access.RoleCoachee, false)
		anna := seed(t, app, north, "anna@north.example", "Anna", "Zwart", access.RoleAdmin, true)
		hanna := seed(t, app, north, "hanna@north.example", "Hanna", "Lid", access.RoleCoachee, true)
		seed(t, app, east, "gus@north.example", "Gus", "Kok", access.RoleSupport, true)
		seed(t, app, east, "anna@north.example", "Anna", "Zwart", access.RoleCoach, true) // in the daughter too
		seed(t, app, empty, "olga@empty.example", "Olga", "Berg", access.RoleAdmin, false)
		if err := orgs.SetActive(ctx, north.ID, hanna.ID, false); err != nil {
			t.Fatal(err)
		}
		day := func(d int) time.Time { return time.Date(2026, 6, d, 9, 0, 0, 0, time.UTC) }
		for id, at := range map[int64]time.Time{bob.ID: day(1), dirk.ID: day(2), anna.ID: day(3)} {
			if _, err := app.DB().NewUpdate().Table("users").Set("last_sign_in_at = ?", at).Where("id = ?", id).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := app.DB().NewUpdate().Table("users").Set("locked_at = ?", day(4)).Where("id = ?", dirk.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		const everyone = "Bob,Cleo,Fay,Dirk,Evi,Anna"
		for _, tc := range []struct {
			name  string
			q     directory.Query
			want  string
			total int
		}{
			{"by name", directory.Query{}, everyone, 6},
			{"by name, backwards (people alike stay by account)", directory.Query{Desc: true}, "Anna,Evi,Dirk,Cleo,Fay,Bob", 6},
			{"by address", directory.Query{Sort: "email"}, "Anna,Bob,Cleo,Dirk,Evi,Fay", 6},
			{"by address, backwards", directory.Query{Sort: "email", Desc: true}, "Fay,Evi,Dirk,Cleo,Bob,Anna", 6},
			{"an unknown order is by name", directory.Query{Sort: "password_hash"}, everyone, 6},
			{"the inactive", directory.Query{Status: "inactive"}, "Hanna", 1},
			{"all", directory.Query{Status: "all"}, "Bob,Cleo,Fay,Hanna,Dirk,Evi,Anna", 7},
			{"an unknown status is the active", directory.Query{Status: "gone"}, everyone, 6},
			{"a family name, any case", directory.Query{Search: "ZWART"}, "Anna", 1},
			{"a given name, in part", directory.Query{Search: "cle"}, "Cleo", 1},
			{"an address", directory.Query{Search: "evi100@"}, "Evi", 1},
			{"trimmed", directory.Query{Search: "  berg  "}, "Cleo,Fay", 2},
			{"a part of every address", directory.Query{Search: "north.example"}, everyone, 6},
			{"an inactive member is not searched among the active", directory.Query{Search: "hanna"}, "", 0},
			{"blank", directory.Query{Search: "   "}, everyone, 6},
			{"_ is a letter", directory.Query{Search: "r_s"}, "Dirk", 1},
			{"% is a letter", directory.Query{Search: "100%"}, "", 0},
			{"the escape character is a letter", directory.Query{Search: "!"}, "", 0},
			{"a role", directory.Query{Role: access.RoleCoachee}, "Cleo,Fay,Dirk,Evi", 4},
			{"the administrators", directory.Query{Role: access.RoleAdmin}, "Anna", 1},
			{"a role nobody holds", directory.Query{Role: "custom:1"}, "", 0},
			{"without a second factor", directory.Query{NoFactor: true}, "Bob,Evi", 2},
			{"a role, without a second factor", directory.Query{Role: access.RoleCoachee, NoFactor: true}, "Evi", 1},
			{"a search within a role", directory.Query{Search: "berg", Role: access.RoleCoachee, Desc: true}, "Cleo,Fay", 2},
			{"a page", directory.Query{PerPage: 4}, "Bob,Cleo,Fay,Dirk", 6},
			{"the next page", directory.Query{PerPage: 4, Page: 2}, "Evi,Anna", 6},
			{"a page past the end", directory.Query{PerPage: 4, Page: 3}, "", 6},
		} {
			tc.q.OrgIDs = []int64{north.ID}
			p, err := dir.List(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := names(p); got != tc.want || p.Total != tc.total {
				t.Errorf("%s: %s (%d in all), want %s (%d)", tc.name, got, p.Total, tc.want, tc.total)
			}
		}

		for _, tc := range []struct {
			name              string
			q                 directory.Query
			page, pages, size int
		}{
			{"no page asked", directory.Query{}, 1, 1, 6},
			{"page 0", directory.Query{Page: 0, PerPage: 4}, 1, 2, 4},
			{"a negative page", directory.Query{Page: -3, PerPage: 5}, 1, 2, 5},
			{"no page size: 25", directory.Query{PerPage: -1, Status: "all"}, 1, 1, 7},
			{"pages of one", directory.Query{PerPage: 1, Page: 6}, 6, 6, 1},
			{"nobody", directory.Query{Search: "nobody"}, 1, 1, 0},
		} {
			tc.q.OrgIDs = []int64{north.ID}
			p, err := dir.List(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if p.Page != tc.page || p.Pages != tc.pages || len(p.People) != tc.size {
				t.Errorf("%s: page %d of %d with %d people, want %d of %d with %d", tc.name, p.Page, p.Pages, len(p.People), tc.page, tc.pages, tc.size)
			}
		}

		// By last sign-in: those who signed in, in order (where people who
		// never did come depends on the database).
		for _, desc := range []bool{false, true} {
			p, err := dir.List(ctx, directory.Query{OrgIDs: []int64{north.ID}, Sort: "last_sign_in", Desc: desc})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range p.People {
				if x.LastSignInAt != nil {
					got = append(got, x.GivenName)
				}
			}
			want := []string{"Bob", "Dirk", "Anna"}
			if desc {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) || p.Total != 6 {
				t.Errorf("by last sign-in (backwards %v): %v, want %v", desc, got, want)
			}
		}

		// A row tells the person's membership of that organisation.
		p, err := dir.List(ctx, directory.Query{OrgIDs: []int64{north.ID, east.ID}, Status: "all"})
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]directory.Person{}
		for _, x := range p.People {
			rows[x.Email+" in "+x.Organisation] = x
		}
		if p.Total != 9 || len(rows) != 9 {
			t.Errorf("North and its daughter: %d rows (%d in all)", len(rows), p.Total)
		}
		for key, want := range map[string]string{
			"anna@north.example in North Care":  "Anna Zwart [admin] factor active web since 2026-06-03",
			"anna@north.example in North East":  "Anna Zwart [coach] factor active web since 2026-06-03",
			"gus@north.example in North East":   "Gus Kok [support] factor active web",
			"bob@north.example in North Care":   "Bob appel [coach] active web since 2026-06-01",
			"dirk@north.example in North Care":  "Dirk Ter_Steeg [coachee] factor locked active web since 2026-06-02",
			"hanna@north.example in North Care": "Hanna Lid [coachee] factor web",
		} {
			if got := describe(rows[key]); got != want {
				t.Errorf("%s: %s\n\twant %s", key, got, want)
			}
		}
		if x := rows["anna@north.example in North East"]; x.OrganisationID != east.ID || x.UserID != anna.ID {
			t.Errorf("Anna's row in the daughter: organisation %d, person %d", x.OrganisationID, x.UserID)
		}
		if _, ok := rows["olga@empty.example in Empty"]; ok {
			t.Error("another subscriber's person is listed")
		}
	})
}

// describe sums up a row: its name, roles and flags.
func describe(p directory.Person) string {
	s := fmt.Sprintf("%s %v", p.Name(), p.Roles)
	for _, f := range []struct {
		on   bool
		name string
	}{{p.TOTPEnabled, "factor"}, {p.Locked, "locked"}, {p.Active, "active"}, {p.WebAccess, "web"}} {
		if f.on {
			s += " " + f.name
		}
	}
	if p.LastSignInAt != nil {
		s += " since " + p.LastSignInAt.UTC().Format(time.DateOnly)
	}
	return s
}
