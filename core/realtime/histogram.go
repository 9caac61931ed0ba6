package realtime

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// bounds are the histogram's upper bounds, in seconds.
var bounds = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// Histogram counts durations in fixed buckets, as Prometheus reads them.
type Histogram struct {
	mu     sync.Mutex
	counts []int64 // per bucket, the last for +Inf
	sum    float64
	n      int64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{counts: make([]int64, len(bounds)+1)} }

// Observe counts one duration.
func (h *Histogram) Observe(d time.Duration) {
	s := d.Seconds()
	h.mu.Lock()
	defer h.mu.Unlock()
	i := 0
	for i < len(bounds) && s > bounds[i] {
		i++
	}
	h.counts[i]++
	h.sum += s
	h.n++
}

// WritePrometheus writes the histogram in Prometheus' text format.
func (h *Histogram) WritePrometheus(w io.Writer, name, help string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	var cumulative int64
	for i, b := range bounds {
		cumulative += h.counts[i]
		fmt.Fprintf(w, "%s_bucket{le=\"%g\"} %d\n", name, b, cumulative)
	}
	cumulative += h.counts[len(bounds)]
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, cumulative, name, h.sum, name, h.n)
}

// WritePrometheus writes the hub's metrics in Prometheus' text format.
func (h *Hub) WritePrometheus(w io.Writer) {
	st := h.Stats()
	fmt.Fprintf(w, "# HELP atrium_realtime_streams Open event streams (browser tabs).\n# TYPE atrium_realtime_streams gauge\natrium_realtime_streams %d\n", st.Open)
	fmt.Fprintf(w, "# HELP atrium_realtime_delivered_total Events handed to streams.\n# TYPE atrium_realtime_delivered_total counter\natrium_realtime_delivered_total %d\n", st.Delivered)
	fmt.Fprintf(w, "# HELP atrium_realtime_dropped_total Streams dropped for being too slow.\n# TYPE atrium_realtime_dropped_total counter\natrium_realtime_dropped_total %d\n", st.Dropped)
	here, away := 0, 0
	for _, p := range h.People() {
		if p.Away {
			away++
		} else {
			here++
		}
	}
	fmt.Fprintf(w, "# HELP atrium_realtime_people People with a tab open on this instance, in view or away.\n# TYPE atrium_realtime_people gauge\natrium_realtime_people{state=\"online\"} %d\natrium_realtime_people{state=\"away\"} %d\n", here, away)
	st.Latency.WritePrometheus(w, "atrium_realtime_fanout_seconds", "Time from publishing an event to writing it to a stream.")
}
