package pluginhost

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// restartWindow is how far back restarts count towards max_restarts.
const restartWindow = 10 * time.Minute

// supervise watches one plugin until the host stops: it health-checks the
// process every health_interval, kills one that fails the check, and restarts
// a dead one with growing pauses, marking it failed after max_restarts within
// the window. Each plugin has a supervisor of its own, so a plugin that hangs
// through its health check, or starts slowly, holds up no other plugin's.
func (h *Host) supervise(p *Plugin) {
	defer h.done.Done()
	// ctx ends when the host stops, so that a health check or a start in
	// flight does not hold Stop up.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-h.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	health := time.NewTicker(h.Config.HealthInterval)
	defer health.Stop()
	check := time.NewTicker(100 * time.Millisecond) // a dead process is noticed quickly
	defer check.Stop()
	var (
		backoff time.Duration
		next    time.Time
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-check.C:
		case <-health.C:
			h.healthCheck(ctx, p)
		}
		if !p.dead() || time.Now().Before(next) {
			continue
		}
		if p.crashedTooOften(h.Config.MaxRestarts) {
			p.fail(fmt.Sprintf("crashed or hung %d times within %s; its last words: %s", h.Config.MaxRestarts, restartWindow, p.stderr.last()))
			h.Log.Error("plugin failed", "plugin", p.Name, "problem", p.Status().Problem)
			continue
		}
		backoff = min(max(backoff*2, 100*time.Millisecond), 10*time.Second)
		next = time.Now().Add(backoff)
		p.stop()
		err := p.start(ctx, h.Config, p.checksum(), h.Log)
		if ctx.Err() != nil {
			return // the host stops; Stop ends what did start
		}
		p.mu.Lock()
		p.restarts = append(p.restarts, time.Now())
		p.mu.Unlock()
		if err != nil {
			h.Log.Warn("plugin restart failed", "plugin", p.Name, "error", err.Error())
			continue
		}
		backoff = 0
		h.Log.Info("plugin restarted", "plugin", p.Name, "pid", p.Status().PID)
	}
}

// healthCheck asks a running plugin whether it can serve, within the call
// timeout. One that does not answer in time (stopped, deadlocked, swapping)
// or cannot serve is killed at once: it would not answer go-plugin's graceful
// shutdown either. The supervisor then restarts it like a crashed one, so a
// plugin that keeps hanging is marked failed too.
func (h *Host) healthCheck(ctx context.Context, p *Plugin) {
	client, rpc := p.running()
	if rpc == nil {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, h.Config.CallTimeout)
	resp, err := rpc.Health(hctx, &pluginv1.HealthRequest{})
	cancel()
	if ctx.Err() != nil {
		return // the host stops: the check was cut short, not failed
	}
	var what string
	switch {
	case status.Code(err) == codes.DeadlineExceeded:
		what = fmt.Sprintf("plugin did not answer its health check within %s", h.Config.CallTimeout)
	case err != nil:
		what = "plugin failed its health check"
	case !resp.GetOk():
		what = "plugin answered its health check that it cannot serve"
	default:
		return
	}
	if !p.kill(client) {
		return // swapped meanwhile (a reload): the process checked is gone already
	}
	args := []any{"plugin", p.Name, "pid", p.Status().PID}
	if err != nil {
		args = append(args, "error", err.Error())
	}
	if p.crashedTooOften(h.Config.MaxRestarts) {
		h.Log.Error(what+": killed", args...) // the supervisor marks it failed next
		return
	}
	h.Log.Warn(what+": killed, restarting", args...)
}

// dead tells whether a plugin that should run is not running.
func (p *Plugin) dead() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	switch p.state {
	case StateRunning:
		return p.client == nil || p.client.Exited()
	case StateStarting:
		return p.manifest != nil && !p.reloading // it ran before: restart it
	}
	return false
}

func (p *Plugin) checksum() []byte {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.sum
}

func (p *Plugin) crashedTooOften(max int) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n := 0
	for _, t := range p.restarts {
		if time.Since(t) < restartWindow {
			n++
		}
	}
	return n >= max
}

func (p *Plugin) fail(problem string) {
	p.stop()
	p.mu.Lock()
	p.state, p.problem = StateFailed, problem
	p.mu.Unlock()
}
