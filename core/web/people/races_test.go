package people_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// together sends the requests at the same moment and gives their statuses.
func together(reqs ...func() int) []int {
	out := make([]int, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = r()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestAddressRacesNeverLandOnAnUnconfirmedAddress is the second hostile
// review's chain: an administrator asks for a new address, and while its
// mailbox confirms, asks for another (a victim's); on PostgreSQL the
// confirmation once made the victim's address the account's. Raced again
// and again, the account only ever gets the address that confirmed. Two
// organisations inviting one new address at once, and two accounts
// confirming one address at once, answer with pages, never a 500.
func TestAddressRacesNeverLandOnAnUnconfirmedAddress(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 1_000_000 }})
		ctx := context.Background()
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		x := app.Person(t, north, "x@north.example", access.RoleCoachee)
		admin, other := app.Client(t), app.Client(t)
		admin.SignIn("admin@north.example")
		other.SignIn("admin@north.example")
		mailbox := app.Client(t)
		mailbox.Get("/signin")
		person := "/people/" + strconv.FormatInt(x.ID, 10)
		for i := range 15 {
			hop := "hop" + strconv.Itoa(i) + "@evil.example"
			if res := admin.PostForm(person+"/email", url.Values{"email": {hop}}); res.StatusCode != 303 {
				t.Fatalf("ask for %s: %d", hop, res.StatusCode)
			}
			link := app.MailedLink(t, hop, "/address/")
			statuses := together(
				func() int { return mailbox.PostForm(link, url.Values{}).StatusCode },
				func() int {
					return other.PostForm(person+"/email", url.Values{"email": {"target" + strconv.Itoa(i) + "@victim.example"}}).StatusCode
				},
			)
			for _, st := range statuses {
				if st >= 500 {
					t.Fatalf("round %d: %v", i, statuses)
				}
			}
			u, _ := app.Identity().ByID(ctx, x.ID)
			if u.Email == "target"+strconv.Itoa(i)+"@victim.example" {
				t.Fatalf("round %d: the account took an address whose mailbox never confirmed it", i)
			}
		}

		// Two organisations inviting one new address at once.
		harbour := app.SignedIn(t, "admin@harbour.example")
		invite := func() url.Values { // a form each: PostForm adds its own token
			return url.Values{"email": {"twice@example.org"}, "given_name": {"T"}, "family_name": {"Wice"}, "role": {"coachee"}}
		}
		for _, st := range together(
			func() int { return harbour.PostForm("/people/invite", invite()).StatusCode },
			func() int { return admin.PostForm("/people/invite", invite()).StatusCode },
		) {
			if st != 303 && st != 422 {
				t.Errorf("inviting one address at once: %d", st)
			}
		}

		// Two accounts waiting for one address, confirmed at once.
		y := app.Person(t, north, "y@north.example", access.RoleCoachee)
		admin.PostForm(person+"/email", url.Values{"email": {"both@example.org"}})
		first := app.MailedLink(t, "both@example.org", "/address/")
		admin.PostForm("/people/"+strconv.FormatInt(y.ID, 10)+"/email", url.Values{"email": {"both@example.org"}})
		second := app.MailedLink(t, "both@example.org", "/address/")
		if first == second {
			t.Fatal("one link for two accounts")
		}
		other2 := app.Client(t)
		other2.Get("/signin")
		statuses := together(
			func() int { return mailbox.PostForm(first, url.Values{}).StatusCode },
			func() int { return other2.PostForm(second, url.Values{}).StatusCode },
		)
		winners := 0
		for _, st := range statuses {
			switch st {
			case 303:
				winners++
			case 410:
			default:
				t.Errorf("confirming one address for two accounts at once: %v", statuses)
			}
		}
		if winners != 1 {
			t.Errorf("%d accounts took one address: %v", winners, statuses)
		}
	})
}

// TestInvitationRacesAnswerWithPages is the third hostile review's
// deadlock hunt on PostgreSQL: a withdrawal racing the first-time set-up
// of the same invitation, and an acceptance racing the confirmation of a
// new address of the same account, each once took their locks in
// opposite orders. Every change to an account now queues on its row
// first: each race ends with pages (never a 500), and exactly one of a
// withdrawal and a set-up wins.
func TestInvitationRacesAnswerWithPages(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 1_000_000 }})
		ctx := context.Background()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		app.Person(t, harbour, "admin2@harbour.example", access.RoleAdmin)
		northAdmin, harbourAdmin := app.Client(t), app.Client(t)
		northAdmin.SignIn("admin@north.example")
		harbourAdmin.SignIn("admin2@harbour.example")
		withdraw := "/people/invitations/" + strconv.FormatInt(north.ID, 10) + "/withdraw"
		for i := range 6 {
			round := strconv.Itoa(i)
			// A withdrawal against the first-time set-up.
			email := "new" + round + "@example.org"
			if res := northAdmin.PostForm("/people/invite", url.Values{"email": {email}, "given_name": {"N"}, "family_name": {"Ew"}, "role": {"coachee"}}); res.StatusCode != 303 {
				t.Fatalf("invite: %d", res.StatusCode)
			}
			link := app.MailedLink(t, email, "/invitation/")
			visitor := app.Client(t)
			visitor.Get(link)
			statuses := together(
				func() int {
					return visitor.PostForm(link, url.Values{"password": {"Tulip-Harbour-93"}, "confirm": {"Tulip-Harbour-93"}, "terms": {"yes"}}).StatusCode
				},
				func() int { return northAdmin.PostForm(withdraw, url.Values{"email": {email}}).StatusCode },
			)
			setUp, withdrawn := statuses[0] == 303, statuses[1] == 303
			if setUp == withdrawn || (!setUp && statuses[0] != 410) || (!withdrawn && statuses[1] != 404) {
				t.Fatalf("round %d: set-up and withdrawal answered %v", i, statuses)
			}
			u, _ := app.Identity().ByEmail(ctx, email)
			if member, _ := app.Organisations().IsMember(ctx, north.ID, u.ID); member != setUp {
				t.Fatalf("round %d: member %v after %v", i, member, statuses)
			}

			// An acceptance against the confirmation of a new address.
			p := app.Person(t, harbour, "p"+round+"@harbour.example", access.RoleCoachee)
			if res := harbourAdmin.PostForm("/people/"+strconv.FormatInt(p.ID, 10)+"/email", url.Values{"email": {"moved" + round + "@example.org"}}); res.StatusCode != 303 {
				t.Fatalf("ask for an address: %d", res.StatusCode)
			}
			confirm := app.MailedLink(t, "moved"+round+"@example.org", "/address/")
			northAdmin.PostForm("/people/invite", url.Values{"email": {p.Email}, "given_name": {"P"}, "family_name": {"Q"}, "role": {"coachee"}})
			owner, mailbox := app.Client(t), app.Client(t)
			owner.SignIn(p.Email)
			mailbox.Get(confirm)
			statuses = together(
				func() int {
					res := owner.PostForm("/invitations/"+strconv.FormatInt(north.ID, 10)+"/accept", url.Values{})
					if res.StatusCode == 303 && strings.HasPrefix(res.Header.Get("Location"), "/signin") {
						return 401 // the confirmation ended her sessions first
					}
					return res.StatusCode
				},
				func() int { return mailbox.PostForm(confirm, url.Values{}).StatusCode },
			)
			for _, st := range statuses {
				if st >= 500 {
					t.Fatalf("round %d: acceptance and confirmation answered %v", i, statuses)
				}
			}
			// Joined first, Harbour's change is no longer Harbour's to make
			// (410); confirmed first, the new address ended her sessions and
			// North's question, which went to the old one (401, 404). One wins.
			now, _ := app.Identity().ByID(ctx, p.ID)
			moved := now.Email == "moved"+round+"@example.org"
			joined, _ := app.Organisations().IsMember(ctx, north.ID, p.ID)
			if joined == moved || joined != (statuses[0] == 303) || moved != (statuses[1] == 303) ||
				(!joined && statuses[0] != 404 && statuses[0] != 401) || (!moved && statuses[1] != 410) {
				t.Fatalf("round %d: acceptance and confirmation answered %v; address now %s, member of North %v", i, statuses, now.Email, joined)
			}
		}
	})
}

// TestSharingAndInvitingOneNewAddressAtOnce: a dossier shared with a new
// address while another organisation invites it gave a 500 on PostgreSQL
// (both made the account). One of them makes it; the other says to try
// again, or finds it.
func TestSharingAndInvitingOneNewAddressAtOnce(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Server.RateLimit = 1_000_000 }})
		north := app.Organisation(t, "north", "North Care")
		app.Person(t, north, "admin@north.example", access.RoleAdmin)
		northAdmin, coach := app.Client(t), app.Client(t)
		northAdmin.SignIn("admin@north.example")
		coach.SignIn("coach@harbour.example")
		share := "/dossiers/" + strconv.FormatInt(app.DossierOf(t, "coachee@harbour.example"), 10) + "/sharing"
		for i := range 8 {
			email := "race" + strconv.Itoa(i) + "@example.org"
			statuses := together(
				func() int { return coach.PostForm(share, url.Values{"email": {email}, "level": {"view"}}).StatusCode },
				func() int {
					return northAdmin.PostForm("/people/invite", url.Values{"email": {email}, "given_name": {"N"}, "family_name": {"Ew"}, "role": {"coachee"}}).StatusCode
				},
			)
			for _, st := range statuses {
				if st != 303 && st != 422 {
					t.Fatalf("round %d: share and invitation answered %v", i, statuses)
				}
			}
		}
	})
}
