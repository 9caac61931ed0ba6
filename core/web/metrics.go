package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// Prometheus' scrape of the event streams has an address of its own
// (server.metrics_address) rather than a route on the web server: who may
// read it then depends on where it listens, never on what a request's
// headers claim (a proxy that forgets X-Forwarded-For would otherwise
// hand it to the world).

// metricsReadTimeout bounds reading a scrape, a small GET.
const metricsReadTimeout = 10 * time.Second

// ListenMetrics opens the metrics address, explaining the usual failures in
// one line.
func ListenMetrics(address string) (net.Listener, error) {
	return listen(address, "server.metrics_address (ATRIUM_SERVER_METRICS_ADDRESS), or leave it empty to serve no metrics")
}

// ServeMetrics answers GET /metrics on ln in Prometheus' text format until
// ctx ends, then shuts down gracefully. Every other path is not found.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", s.metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: metricsReadTimeout, ReadTimeout: metricsReadTimeout}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	return err
}

// metrics writes the event streams' figures.
func (s *Server) metrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.hub == nil {
		return // a server built without a hub has no streams to count
	}
	// Written out in full first: a slow scraper must not hold the hub.
	var b strings.Builder
	s.hub.WritePrometheus(&b)
	_, _ = w.Write([]byte(b.String()))
}
