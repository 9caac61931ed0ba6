package people_test

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
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
		harbour := app.Client(t)
		harbour.SignIn("admin@harbour.example")
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
