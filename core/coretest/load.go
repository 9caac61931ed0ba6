package coretest

import (
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// LoadResult summarises a load run.
type LoadResult struct {
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50, P90 time.Duration
	P99      time.Duration
}

// PerSecond is the throughput of the run.
func (r LoadResult) PerSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Load sends total GET requests to url from clients concurrent keep-alive
// connections, as a load generator on loopback would, and measures each one.
// A request fails unless it answers 200. Header pairs are added to each request.
func Load(url string, clients, total int, headers ...string) LoadResult {
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	latencies := make([]time.Duration, total)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	started := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(total) {
					return
				}
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				for h := 0; h+1 < len(headers); h += 2 {
					req.Header.Set(headers[h], headers[h+1])
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				latencies[i] = time.Since(t0)
				if err != nil || res.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	r := LoadResult{Requests: total, Errors: int(failed.Load()), Elapsed: time.Since(started)}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	at := func(q float64) time.Duration { return latencies[min(total-1, int(q*float64(total)))] }
	r.P50, r.P90, r.P99 = at(0.50), at(0.90), at(0.99)
	return r
}
