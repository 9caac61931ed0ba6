package core_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/realtime"
)

// BenchmarkStreams1000 opens 1,000 event streams on one instance over
// loopback (a signed-in person's tabs, each listening to a room of its
// own besides the person's topic) and measures, from publishing to the
// line arriving at the reading client: one message to one room among the
// 1,000 (p50, p99), one message to all 1,000 (the last to arrive, p50 and
// p99 over rounds), and the memory each open stream costs (server and
// load generator in one process: an upper bound).
func BenchmarkStreams1000(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := coretest.SQLite(b)
			if kind == "postgres" {
				db = coretest.Postgres(b)
			}
			app := coretest.NewApp(b, db, coretest.Options{Config: func(c *config.Config) { c.Log.Level = "warn" }})
			ctx := context.Background()
			coach := app.Client(b)
			coach.SignIn("coach@harbour.example")
			me, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
			org := app.OrgOf(b, me.ID)
			const n = 1000
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			arrivals := make([]chan time.Time, n)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}}
			var wg sync.WaitGroup
			streamCtx, stop := context.WithCancel(ctx)
			defer stop()
			for i := range n {
				topics := "room:bench:" + strconv.Itoa(i)
				sig := app.Secrets().Digest("live|" + strconv.FormatInt(me.ID, 10) + "|" + strconv.FormatInt(org, 10) + "|" + topics)
				req, _ := http.NewRequestWithContext(streamCtx, http.MethodGet, app.URL+"/events?"+url.Values{"topics": {topics}, "sig": {sig}}.Encode(), nil)
				req.Header.Set("Cookie", coach.CookieHeader())
				res, err := client.Do(req)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("stream %d: %v %v", i, err, res)
				}
				arrivals[i] = make(chan time.Time, 16)
				wg.Add(1)
				go func(r *bufio.Reader, out chan time.Time) {
					defer wg.Done()
					defer res.Body.Close()
					for {
						line, err := r.ReadString('\n')
						if err != nil {
							return
						}
						if strings.HasPrefix(line, "event: ") && line != "event: stream\n" {
							out <- time.Now()
						}
					}
				}(bufio.NewReader(res.Body), arrivals[i])
			}
			app.WaitStreams(b, n)
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			perStream := float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse) / n

			publish := func(topic string) time.Time {
				at := time.Now()
				if err := app.Publish(ctx, realtime.Event{OrganisationID: org, Topic: topic, Name: "bench", Data: "<p>a message</p>"}); err != nil {
					b.Fatal(err)
				}
				return at
			}
			b.Run("one-of-1000", func(b *testing.B) {
				times := make([]time.Duration, 0, b.N)
				for i := range b.N {
					k := i % n
					at := publish("room:bench:" + strconv.Itoa(k))
					select {
					case got := <-arrivals[k]:
						times = append(times, got.Sub(at))
					case <-time.After(10 * time.Second):
						b.Fatal("a message did not arrive")
					}
				}
				report(b, times)
				b.ReportMetric(perStream/1024, "KiB/stream")
			})
			b.Run("all-1000", func(b *testing.B) {
				times := make([]time.Duration, 0, b.N)
				for range b.N {
					at := publish("user:" + strconv.FormatInt(me.ID, 10))
					var last time.Duration
					for k := range n {
						select {
						case got := <-arrivals[k]:
							last = max(last, got.Sub(at))
						case <-time.After(10 * time.Second):
							b.Fatal("a message did not reach every stream")
						}
					}
					times = append(times, last)
				}
				report(b, times)
			})
			stop()
			wg.Wait()
		})
	}
}

// report gives the median and the 99th percentile.
func report(b *testing.B, times []time.Duration) {
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
}
