package pluginhost_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// BenchmarkEventDelivery writes 1,000 events to the log at once and waits
// until the herald plugin has handled them all, each in a transaction of
// its own: it reports events delivered per second and the lag from an
// event's writing to its handling at the 50th and 99th percentile.
func BenchmarkEventDelivery(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := coretest.SQLite(b)
			if kind == "postgres" {
				db = coretest.Postgres(b)
			}
			bin := coretest.BuildPlugin(b, "core/pluginhost/testdata/herald")
			app := coretest.NewApp(b, db, coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(b, c, true, bin) }})
			ctx := context.Background()
			org := app.DemoOrg(b)
			const n = 1000
			var lags []time.Duration
			var elapsed time.Duration
			for b.Loop() {
				first, _ := app.Events().Newest(ctx)
				start := time.Now()
				for i := range n {
					if err := app.Events().Emit(ctx, org, 0, "herald", "herald.said", []byte("bench "+strconv.Itoa(i))); err != nil {
						b.Fatal(err)
					}
				}
				heard := app.Plugins().PluginDB("herald", org)
				table := app.Plugins().Table("herald", "herald_heard")
				for {
					var got int
					if err := heard.NewRaw("SELECT count(*) FROM "+table+" WHERE event_id > ?", first).Scan(ctx, &got); err != nil {
						b.Fatal(err)
					}
					if got >= n {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				elapsed += time.Since(start)
				var rows []struct {
					EventID int64 `bun:"event_id"`
					HeardMS int64 `bun:"heard_ms"`
				}
				if err := heard.NewRaw("SELECT event_id, heard_ms FROM "+table+" WHERE event_id > ?", first).Scan(ctx, &rows); err != nil {
					b.Fatal(err)
				}
				written := map[int64]time.Time{}
				var events []struct {
					ID        int64     `bun:"id"`
					CreatedAt time.Time `bun:"created_at"`
				}
				if err := app.DB().NewRaw("SELECT id, created_at FROM events WHERE id > ?", first).Scan(ctx, &events); err != nil {
					b.Fatal(err)
				}
				for _, e := range events {
					written[e.ID] = e.CreatedAt
				}
				for _, r := range rows {
					lags = append(lags, time.UnixMilli(r.HeardMS).Sub(written[r.EventID]))
				}
			}
			slices.Sort(lags)
			b.ReportMetric(float64(b.N*n)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(lags[len(lags)/2].Milliseconds()), "p50-lag-ms")
			b.ReportMetric(float64(lags[len(lags)*99/100].Milliseconds()), "p99-lag-ms")
		})
	}
}
