package pluginhost

import (
	"context"
	"slices"
	"sort"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/tenancy"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// deliver hands an event to every running plugin that receives it and that
// the organisation has on when it is emitted, one after the other in the
// background, each in a call of its own for the same organisation and
// person. Delivery is at most once: an event for a plugin that is down is
// logged and dropped.
func (h *Host) deliver(ctx context.Context, from calls.Scope, name string, payload []byte) error {
	receivers, err := h.receivers(ctx, name, from.Lineage)
	if err != nil || len(receivers) == 0 {
		return err
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), h.Config.CallTimeout*time.Duration(len(receivers)+1))
		defer cancel()
		for _, p := range receivers {
			if err := h.deliverTo(ctx, p, from, name, payload); err != nil {
				h.Log.Warn("event not handled", "plugin", p.Name, "event", name, "error", err.Error())
			}
		}
	}()
	return nil
}

// receivers are the plugins that receive an event and that an organisation
// (by its lineage) has on, by name.
func (h *Host) receivers(ctx context.Context, name string, lineage []tenancy.Organisation) ([]*Plugin, error) {
	var out []*Plugin
	h.mu.Lock()
	for _, p := range h.plugins {
		if p.receives(name) {
			out = append(out, p)
		}
	}
	h.mu.Unlock()
	if len(out) == 0 {
		return nil, nil
	}
	modules, err := h.Orgs.ModulesIn(ctx, lineage)
	if err != nil {
		return nil, err
	}
	out = slices.DeleteFunc(out, func(p *Plugin) bool { return !slices.Contains(modules, p.Name) })
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// receives tells whether the plugin takes an event.
func (p *Plugin) receives(name string) bool {
	p.mu.RLock()
	m := p.manifest
	p.mu.RUnlock()
	return m != nil && slices.Contains(m.GetEvents(), name) && slices.Contains(m.GetImplements(), "OnEvent")
}

// deliverTo makes one OnEvent call.
func (h *Host) deliverTo(ctx context.Context, p *Plugin, from calls.Scope, name string, payload []byte) error {
	rpc := p.conn()
	if rpc == nil {
		return status.Error(codes.Unavailable, "the plugin is down")
	}
	sc := from
	sc.Plugin, sc.Migrating, sc.Deadline = p.Name, false, time.Now().Add(h.Config.CallTimeout)
	cc := &pluginv1.CallContext{Token: secrets.Token(24), OrganisationId: sc.OrgID, UserId: sc.UserID, Locale: sc.Locale}
	for perm, ok := range sc.Can {
		if ok {
			cc.Permissions = append(cc.Permissions, string(perm))
		}
	}
	h.calls.Open(cc.Token, &sc)
	defer h.calls.Close(cc.Token)
	callCtx, cancel := context.WithTimeout(ctx, h.Config.CallTimeout)
	defer cancel()
	_, err := rpc.OnEvent(callCtx, &pluginv1.EventRequest{Context: cc, Name: name, Payload: payload})
	return err
}
