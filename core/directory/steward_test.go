package directory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// TestSteward: an organisation's administrators look after an account
// whole (callers refuse the rest with ErrNotSteward) only when everything
// the account belongs to lies in the organisation's subtree and it is no
// operator's; an unanswered invitation elsewhere does not count.
func TestSteward(t *testing.T) {
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
		south := app.Organisation(t, "south", "South Care")
		member := func(email string, in ...*tenancy.Organisation) *identity.User {
			t.Helper()
			u := seed(t, app, in[0], email, "P", "Q", access.RoleCoachee, true)
			for _, org := range in[1:] {
				if err := tenancy.AddMember(ctx, app.DB(), org.ID, u.ID, access.RoleCoachee); err != nil {
					t.Fatal(err)
				}
			}
			return u
		}
		northOnly := member("north@example.org", north)
		eastOnly := member("east@example.org", east)
		northAndEast := member("both@example.org", north, east)
		twoSubscribers := member("two@example.org", north, south)
		operator := member("operator@example.org", north)
		if err := app.Identity().MakeOperator(ctx, operator); err != nil {
			t.Fatal(err)
		}
		asked := member("asked@example.org", north)
		if err := tenancy.Invite(ctx, app.DB(), &tenancy.Invitation{OrganisationID: south.ID, UserID: asked.ID, Role: access.RoleCoachee, Email: asked.Email, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}

		// Dossiers of South: one of a North member's own, one shared with
		// another; and one of East shared with a third.
		southAdmin := seed(t, app, south, "admin@south.example", "S", "Admin", access.RoleAdmin, true)
		eastAdmin := seed(t, app, east, "admin@east.example", "E", "Admin", access.RoleAdmin, true)
		hasDossier := member("dossier@example.org", north)
		sharedSouth := member("shared-south@example.org", north)
		sharedEast := member("shared-east@example.org", north)
		inSouth := register(t, app, southAdmin.ID, south.ID, "dossier@example.org")
		if _, err := app.DB().NewUpdate().Table("dossiers").Set("user_id = ?", hasDossier.ID).Where("id = ?", inSouth).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		share(t, app, southAdmin.ID, south.ID, register(t, app, southAdmin.ID, south.ID, "x@south.example"), sharedSouth.Email)
		share(t, app, eastAdmin.ID, east.ID, register(t, app, eastAdmin.ID, east.ID, "y@east.example"), sharedEast.Email)

		for _, tc := range []struct {
			name    string
			org     *tenancy.Organisation
			user    *identity.User
			steward bool
		}{
			{"North, its member", north, northOnly, true},
			{"the daughter, a member of the parent", east, northOnly, false},
			{"another subscriber, a member of North", south, northOnly, false},
			{"North, a member of its daughter", north, eastOnly, true},
			{"the daughter, its member", east, eastOnly, true},
			{"North, a member of North and its daughter", north, northAndEast, true},
			{"the daughter, a member of it and the parent", east, northAndEast, false},
			{"North, a member of two subscribers", north, twoSubscribers, false},
			{"South, a member of two subscribers", south, twoSubscribers, false},
			{"North, the operator", north, operator, false},
			{"North, a member asked to join South", north, asked, true},
			{"North, a member with a dossier in South", north, hasDossier, false},
			{"North, a member a dossier of South is shared with", north, sharedSouth, false},
			{"North, a member a dossier of the daughter is shared with", north, sharedEast, true},
			{"the daughter, a member of North a dossier of it is shared with", east, sharedEast, false},
		} {
			ok, err := dir.Steward(ctx, tc.org.ID, tc.user.ID)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if ok != tc.steward {
				t.Errorf("%s looks after the account: %v, want %v", tc.name, ok, tc.steward)
			}
		}
		if _, err := dir.Steward(ctx, north.ID, 999999); err == nil {
			t.Error("an account that does not exist is looked after")
		}
	})
}

// TestExpecting: an account not set up yet is expected by the newest
// organisation that asked it to join and waits, else by the newest that
// shares a dossier with it; a withdrawn invitation expects nothing.
func TestExpecting(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{NoDemo: true})
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		south := app.Organisation(t, "south", "South Care")
		west := app.Organisation(t, "west", "West Care")
		admins := map[*tenancy.Organisation]*identity.User{}
		for org, email := range map[*tenancy.Organisation]string{north: "admin@north.example", south: "admin@south.example", west: "admin@west.example"} {
			admins[org] = seed(t, app, org, email, "A", "Admin", access.RoleAdmin, true)
		}
		now := time.Now().UTC()
		// invite asks the address to join org; the invitation is as old
		// as age says.
		invite := func(org *tenancy.Organisation, email string, age time.Duration) *identity.User {
			t.Helper()
			u, err := app.Identity().ByEmail(ctx, email)
			if errors.Is(err, identity.ErrNotFound) {
				if u, err = app.Identity().Invite(ctx, admins[org], org, identity.Invitee{Email: email, GivenName: "N", FamilyName: "N", Role: access.RoleCoachee}, ""); err != nil {
					t.Fatal(err)
				}
				if _, err := app.DB().NewUpdate().Table("member_invitations").Set("created_at = ?", now.Add(-age)).Where("user_id = ? AND organisation_id = ?", u.ID, org.ID).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				return u
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := tenancy.Invite(ctx, app.DB(), &tenancy.Invitation{OrganisationID: org.ID, UserID: u.ID, Role: access.RoleCoachee, Email: u.Email, CreatedAt: now.Add(-age)}); err != nil {
				t.Fatal(err)
			}
			return u
		}
		// shareWith shares a new dossier of org with the address.
		shareWith := func(org *tenancy.Organisation, email, subject string) int64 {
			t.Helper()
			d := register(t, app, admins[org].ID, org.ID, subject)
			share(t, app, admins[org].ID, org.ID, d, email)
			u, err := app.Identity().ByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}

		// Asked by North, then by South an hour earlier: North's is newest.
		asked := invite(north, "asked@example.org", 0)
		invite(south, asked.Email, time.Hour)
		// Asked by North, which took it back.
		withdrawn := invite(north, "withdrawn@example.org", 0)
		if err := app.Identity().WithdrawInvitation(ctx, north.ID, withdrawn.ID); err != nil {
			t.Fatal(err)
		}
		// Shared with by South, then West.
		shared := shareWith(south, "shared@example.org", "s1@south.example")
		time.Sleep(10 * time.Millisecond) // the shares' moments differ
		shareWith(west, "shared@example.org", "w1@west.example")
		// Shared with by South, and asked by West.
		both := shareWith(south, "both@example.org", "s2@south.example")
		invite(west, "both@example.org", 24*time.Hour)
		// Asked and withdrawn, but shared with.
		after := shareWith(south, "after@example.org", "s3@south.example")
		invite(north, "after@example.org", 0)
		if err := app.Identity().WithdrawInvitation(ctx, north.ID, after); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name string
			user int64
			want int64
		}{
			{"asked by two", asked.ID, north.ID},
			{"an invitation withdrawn", withdrawn.ID, 0},
			{"shared with by two", shared, west.ID},
			{"asked by one, shared with by another", both, west.ID},
			{"asked and withdrawn, shared with", after, south.ID},
			{"an account nobody asked", admins[north].ID, 0},
			{"no account", 999999, 0},
		} {
			got, err := directory.Expecting(ctx, app.DB(), tc.user)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got != tc.want {
				t.Errorf("%s: expected by %d, want %d", tc.name, got, tc.want)
			}
		}
	})
}

// register opens a dossier in org for the address, as its administrator.
func register(t *testing.T, app *coretest.App, adminID, orgID int64, email string) int64 {
	t.Helper()
	who := dossier.Who{UserID: adminID, OrgID: orgID, Can: access.Set{}.Add(access.DossiersRegister)}
	d, err := app.Dossiers().Register(context.Background(), who, dossier.Details{FamilyName: "Doe", GivenName: "Jo", Initials: "J.", Gender: "x", BirthDate: "1990-01-01", Email: email}, "")
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// share gives the address (an account, or a new one) a view of the dossier.
func share(t *testing.T, app *coretest.App, adminID, orgID, dossierID int64, email string) {
	t.Helper()
	who := dossier.Who{UserID: adminID, OrgID: orgID, Can: access.Set{}.Add(access.DossiersManage)}
	if _, err := app.Dossiers().ShareWith(context.Background(), who, dossierID, email, dossier.View, ""); err != nil {
		t.Fatal(err)
	}
}
