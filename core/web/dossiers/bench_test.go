package dossiers_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/dossier"
)

// BenchmarkDossiers100k fills the demo organisation with 100,000 dossiers
// (the coach coaches 200 of them) and measures, one request at a time over
// loopback, the list's first page and the quick search for three letters, as
// an administrator (who sees all of them) and as the coach (who sees theirs).
// The time is the whole request: session, guard, queries, template.
func BenchmarkDossiers100k(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := coretest.SQLite(b)
			if kind == "postgres" {
				db = coretest.Postgres(b)
			}
			app := coretest.NewApp(b, db, coretest.Options{Config: func(c *config.Config) {
				c.Log.Level = "warn"
				c.Server.RateLimit = 1_000_000
			}})
			fill(b, app, 100_000)
			for _, person := range []string{"admin@harbour.example", "coach@harbour.example"} {
				c := app.Client(b)
				c.SignIn(person)
				cookie := []string{"Cookie", c.CookieHeader(), "HX-Request", "true"}
				for _, page := range []struct{ name, path string }{
					{"list", "/dossiers"}, {"list-page-500", "/dossiers?page=500"}, {"search-3-letters", "/dossiers/search?q=mul"}, {"list-filtered", "/dossiers?q=jan&status=active"},
				} {
					b.Run(page.name+"-"+person[:5], func(b *testing.B) {
						coretest.Load(app.URL+page.path, 1, 20, cookie...)
						b.ResetTimer()
						r := coretest.Load(app.URL+page.path, 1, b.N, cookie...)
						b.StopTimer()
						if r.Errors > 0 {
							b.Fatalf("%d errors", r.Errors)
						}
						b.ReportMetric(float64(r.P50.Microseconds())/1000, "p50-ms")
						b.ReportMetric(float64(r.P90.Microseconds())/1000, "p90-ms")
					})
				}
			}
		})
	}
}

var (
	givenNames  = []string{"Anna", "Bram", "Chris", "Daan", "Emma", "Fleur", "Gijs", "Hanna", "Isa", "Jan", "Kim", "Lars", "Mila", "Noah", "Olga", "Pim", "Roos", "Sem", "Tess", "Vera", "Wout", "Yara", "Zoë", "Lotte", "Jesse"}
	familyNames = []string{"Bakker", "Jansen", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks", "Dekker", "Brouwer", "Dijkstra", "Kok", "Jacobs", "Vermeulen", "Willems", "Hoekstra", "Koster", "Prins", "Huisman", "Kuipers", "Postma", "Verbeek", "Maas"}
)

// fill inserts n dossiers into the demo organisation in batches, through
// the dossier model (search keys folded as registration folds them).
func fill(b *testing.B, app *coretest.App, n int) {
	b.Helper()
	ctx := context.Background()
	org, _ := app.Organisations().BySlug(ctx, demo.Slug)
	coach, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	started := time.Now()
	for done := 0; done < n; {
		batch := make([]dossier.Dossier, 0, 1000)
		for i := 0; i < 1000 && done < n; i++ {
			given, family := givenNames[rng.IntN(len(givenNames))], familyNames[rng.IntN(len(familyNames))]
			d := *dossier.Details{GivenName: given, FamilyName: family, Initials: given[:1] + ".", Gender: "unknown", BirthDate: "1990-01-01",
				Email: fmt.Sprintf("p%d@bench.example", done)}.Dossier(org.ID, coach.ID, now)
			if done%500 == 0 {
				d.CoachID = &coach.ID
			}
			if done%3 == 0 {
				d.Status = dossier.StatusActive
			}
			batch = append(batch, d)
			done++
		}
		if _, err := app.DB().NewInsert().Model(&batch).Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if app.DB().Kind == "postgres" {
		if _, err := app.DB().ExecContext(ctx, "ANALYZE dossiers"); err != nil {
			b.Fatal(err)
		}
	} else if _, err := app.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("filled %s dossiers in %s", strconv.Itoa(n), time.Since(started).Round(time.Millisecond))
}
