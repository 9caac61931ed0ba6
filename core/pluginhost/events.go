package pluginhost

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/tenancy"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// maxEventPayload bounds an event's payload: events say what happened and
// name the rows; they do not carry documents.
const maxEventPayload = 64 << 10

// Emit lets a plugin tell the other plugins that something happened in the
// call's organisation. A plugin emits only events named after itself
// (<id>.…), so no plugin can pass itself off as another.
func (s *hostService) Emit(ctx context.Context, req *pluginv1.EmitRequest) (*pluginv1.EmitResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	name := req.GetName()
	if !strings.HasPrefix(name, s.plugin+".") || len(name) > 100 {
		return nil, status.Errorf(codes.InvalidArgument, "a plugin emits only events named %s.…", s.plugin)
	}
	if len(req.GetPayload()) > maxEventPayload {
		return nil, status.Errorf(codes.InvalidArgument, "an event's payload is at most %d bytes", maxEventPayload)
	}
	if err := s.emit(ctx, s.calls.copyOf(sc), name, req.GetPayload()); err != nil {
		return nil, err
	}
	return &pluginv1.EmitResponse{}, nil
}

// deliver hands an event to every running plugin that receives it and that
// the organisation has on when it is emitted, one after the other in the
// background, each in a call of its own for the same organisation and
// person. Delivery is at most once: an event for a plugin that is down is
// logged and dropped.
func (h *Host) deliver(ctx context.Context, from scope, name string, payload []byte) error {
	receivers, err := h.receivers(ctx, name, from.lineage)
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
func (h *Host) deliverTo(ctx context.Context, p *Plugin, from scope, name string, payload []byte) error {
	rpc := p.conn()
	if rpc == nil {
		return status.Error(codes.Unavailable, "the plugin is down")
	}
	sc := from
	sc.plugin, sc.migrating, sc.deadline = p.Name, false, time.Now().Add(h.Config.CallTimeout)
	cc := &pluginv1.CallContext{Token: secrets.Token(24), OrganisationId: sc.orgID, UserId: sc.userID, Locale: sc.locale}
	for perm, ok := range sc.can {
		if ok {
			cc.Permissions = append(cc.Permissions, string(perm))
		}
	}
	h.calls.open(cc.Token, &sc)
	defer h.calls.close(cc.Token)
	callCtx, cancel := context.WithTimeout(ctx, h.Config.CallTimeout)
	defer cancel()
	_, err := rpc.OnEvent(callCtx, &pluginv1.EventRequest{Context: cc, Name: name, Payload: payload})
	return err
}
