package pluginhost

import (
	"context"
	"time"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// TickEvent is what a plugin receives every plugins.tick_every for each
// organisation that has it on, to do work that falls due by the clock (a
// reminder before a session). The call is the organisation's, as nobody
// (no person, no permissions). Every instance ticks: a plugin claims what
// it does (an UPDATE … WHERE not yet done) so that it happens once.
const TickEvent = "core.tick"

// ticking ticks until the host stops.
func (h *Host) ticking() {
	defer h.done.Done()
	t := time.NewTicker(h.Config.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), h.Config.TickEvery)
			h.Tick(ctx)
			cancel()
		}
	}
}

// Tick delivers TickEvent once to each plugin that receives it, for each
// organisation that has it on, one after the other; a failure is logged
// and the others go on.
func (h *Host) Tick(ctx context.Context) {
	h.mu.Lock()
	var receivers []*Plugin
	for _, p := range h.plugins {
		if p.receives(TickEvent) {
			receivers = append(receivers, p)
		}
	}
	h.mu.Unlock()
	for _, p := range receivers {
		orgs, err := h.Orgs.WithModule(ctx, p.Name)
		if err != nil {
			h.Log.Warn("tick: organisations not found", "plugin", p.Name, "error", err.Error())
			continue
		}
		for _, lineage := range orgs {
			org := lineage[0]
			as := calls.Scope{OrgID: org.ID, Locale: org.Locale, Lineage: lineage}
			if err := h.deliverTo(ctx, p, as, &pluginv1.EventRequest{Name: TickEvent}); err != nil {
				h.Log.Warn("tick not handled", "plugin", p.Name, "organisation", org.ID, "error", err.Error())
			}
			if ctx.Err() != nil {
				return
			}
		}
	}
}
