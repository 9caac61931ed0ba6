package pluginhost

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/events"
	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/tenancy"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Plugins receive the event log (core/events): each plugin that declares
// events reads, per organisation, from where it stopped, each event at
// least once and in order, retrying with backoff when its handler fails
// or it is down. Instances share the work by claims on the cursors, so
// each event reaches each plugin once while all goes well.

// eventRound is how often an instance looks for events to deliver when
// nothing woke it sooner (another instance's events, retries that fell due).
const eventRound = time.Second

// claimFor is how long an instance holds an organisation's events for a
// plugin; it renews the claim with each event handled, and another
// instance takes over when it lapses (the instance died).
const claimFor = 30 * time.Second

// eventBatch is how many events are read at a time.
const eventBatch = 100

// emit writes an event a plugin emitted to the log.
func (h *Host) emit(ctx context.Context, from calls.Scope, name string, payload []byte) error {
	if h.Events == nil {
		return status.Error(codes.Unimplemented, "events are not served by this host")
	}
	return h.Events.Emit(ctx, from.OrgID, from.UserID, from.Plugin, name, payload)
}

// delivering hands out the log until the host stops: each round, each
// plugin in a goroutine of its own (one whose handlers are slow, or busy
// with events they emit themselves, never holds up the others), a plugin
// at most once at a time.
func (h *Host) delivering() {
	defer h.done.Done()
	if h.Events == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-h.stop
		cancel()
	}()
	var busy sync.Map // plugin name → a round of its own running
	var rounds sync.WaitGroup
	defer rounds.Wait()
	t := time.NewTicker(eventRound)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		case <-h.Events.Woken():
		}
		for _, p := range h.runningPlugins() {
			if _, running := busy.LoadOrStore(p.Name, true); running {
				continue
			}
			rounds.Go(func() {
				defer busy.Delete(p.Name)
				h.deliverPlugin(ctx, p)
			})
		}
	}
}

// subscribe makes a plugin that receives events a reader of the log, the
// first time it starts: from the log's start when it asks for the
// history, else from now.
func (h *Host) subscribe(ctx context.Context, p *Plugin) error {
	if h.Events == nil || len(p.eventNames()) == 0 {
		return nil
	}
	_, err := h.since(ctx, p)
	return err
}

// since is where a plugin started reading the log: recorded once, the
// first time it subscribed, so it is asked of the database once per
// process, not at every round.
func (h *Host) since(ctx context.Context, p *Plugin) (int64, error) {
	if v, ok := h.starts.Load(p.Name); ok {
		return v.(int64), nil
	}
	since, err := h.Events.Subscribe(ctx, "plugin:"+p.Name, p.eventHistory())
	if err == nil {
		h.starts.Store(p.Name, since)
	}
	return since, err
}

// DeliverEvents hands each running plugin, one after the other, a round
// of the events waiting for it.
func (h *Host) DeliverEvents(ctx context.Context) {
	for _, p := range h.runningPlugins() {
		h.deliverPlugin(ctx, p)
	}
}

// deliverPlugin hands a plugin a round of its waiting events: in each
// organisation that has it on, a budget of them (the rest come next round).
func (h *Host) deliverPlugin(ctx context.Context, p *Plugin) {
	names := p.eventNames()
	if len(names) == 0 {
		return
	}
	sub := "plugin:" + p.Name
	since, err := h.since(ctx, p)
	if err != nil {
		h.Log.Warn("events: cannot subscribe", "plugin", p.Name, "error", err.Error())
		return
	}
	lineages, err := h.Orgs.WithModule(ctx, p.Name)
	if err != nil {
		h.Log.Warn("events: organisations not found", "plugin", p.Name, "error", err.Error())
		return
	}
	on := make([]int64, 0, len(lineages))
	byOrg := make(map[int64][]tenancy.Organisation, len(lineages))
	for _, lineage := range lineages {
		on = append(on, lineage[0].ID)
		byOrg[lineage[0].ID] = lineage
	}
	orgs, err := h.Events.Due(ctx, sub, since, names, on, 50)
	if err != nil {
		h.Log.Warn("events: cannot read the log", "plugin", p.Name, "error", err.Error())
		return
	}
	for _, org := range orgs {
		if ctx.Err() != nil {
			return
		}
		h.deliverIn(ctx, p, sub, since, byOrg[org], names)
	}
}

// deliverIn hands a plugin a budget of one organisation's waiting events,
// in order, while this instance holds them. The organisation has the
// plugin on (its lineage is given): the others' events wait, untouched.
func (h *Host) deliverIn(ctx context.Context, p *Plugin, sub string, since int64, lineage []tenancy.Organisation, names []string) {
	org := lineage[0].ID
	cursor, ok, err := h.Events.Claim(ctx, sub, org, since, h.instance, claimFor)
	if err != nil || !ok {
		return
	}
	err = h.deliverFrom(ctx, p, sub, cursor, lineage, names)
	if errors.Is(err, events.ErrLostClaim) {
		return // the instance that took it over goes on
	}
	if err := h.Events.Release(context.WithoutCancel(ctx), sub, org, h.instance, err); err != nil {
		h.Log.Warn("events: cannot release a claim; it lapses", "plugin", p.Name, "organisation", org, "error", err.Error())
	}
}

// roundBudget bounds what one claim hands out: so many events, or so long,
// whichever comes first; the rest come at the next round, after the other
// organisations'.
const (
	roundEvents = 100
	roundTime   = 5 * time.Second
)

// deliverFrom hands a plugin an organisation's events after the cursor,
// in order, recording each as handled, until none is left or one fails.
// An event that failed events.MaxAttempts times is given up (logged and
// shown to the operator) so that the ones after it still come.
func (h *Host) deliverFrom(ctx context.Context, p *Plugin, sub string, cursor *events.Cursor, lineage []tenancy.Organisation, names []string) error {
	org, pos, attempts := cursor.OrganisationID, cursor.Position, cursor.Attempts
	until := time.Now().Add(roundTime)
	for handed := 0; handed < roundEvents && time.Now().Before(until); {
		batch, err := h.Events.After(ctx, org, pos, names, min(eventBatch, roundEvents-handed))
		if err != nil || len(batch) == 0 {
			return err
		}
		for _, e := range batch {
			handed++
			// The organisation's call, as nobody: the event's person is
			// named, but the plugin never acts as them.
			as := calls.Scope{OrgID: org, Locale: lineage[0].Locale, Lineage: lineage}
			req := &pluginv1.EventRequest{Name: e.Name, Payload: e.Payload, Id: e.ID, CreatedUnix: e.CreatedAt.Unix()}
			if e.ActorID != nil {
				req.ActorId = *e.ActorID
			}
			err := h.deliverTo(ctx, p, as, req)
			switch {
			case err != nil && attempts+1 >= events.MaxAttempts:
				h.Log.Error("event given up after its tries; the next ones go on", "plugin", p.Name, "event", e.Name, "id", e.ID, "error", err.Error())
				if err := h.Events.GiveUp(ctx, sub, org, h.instance, e.ID, err); err != nil {
					return err
				}
			case err != nil:
				h.Log.Warn("event not handled; it is tried again", "plugin", p.Name, "event", e.Name, "id", e.ID, "error", err.Error())
				return err
			default:
				if err := h.Events.Advance(ctx, sub, org, h.instance, e.ID, claimFor); err != nil {
					return err
				}
			}
			pos, attempts = e.ID, 0
		}
	}
	return nil
}

// runningPlugins are the plugins that run now, by name.
func (h *Host) runningPlugins() []*Plugin {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*Plugin
	for _, p := range h.plugins {
		if p.conn() != nil {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *Plugin) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// eventNames are the events of the log the plugin receives (the host's own
// calls, ticks and demo data, come apart from the log).
func (p *Plugin) eventNames() []string {
	p.mu.RLock()
	m := p.manifest
	p.mu.RUnlock()
	if m == nil || !slices.Contains(m.GetImplements(), "OnEvent") {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(m.GetEvents()), func(n string) bool { return n == TickEvent || n == DemoEvent })
}

// eventHistory tells whether the plugin asks for the log's history when it
// first subscribes.
func (p *Plugin) eventHistory() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.manifest != nil && p.manifest.GetEventHistory()
}

// receives tells whether the plugin takes an event.
func (p *Plugin) receives(name string) bool {
	p.mu.RLock()
	m := p.manifest
	p.mu.RUnlock()
	return m != nil && slices.Contains(m.GetEvents(), name) && slices.Contains(m.GetImplements(), "OnEvent")
}

// deliverTo makes one OnEvent call, for the organisation and person of
// from.
func (h *Host) deliverTo(ctx context.Context, p *Plugin, from calls.Scope, e *pluginv1.EventRequest) error {
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
	e.Context = cc
	_, err := rpc.OnEvent(callCtx, e)
	return err
}

// receivers are the plugins that receive one of the host's own calls
// (DemoEvent) and that an organisation (by its lineage) has on, by name.
func (h *Host) receivers(ctx context.Context, name string, lineage []tenancy.Organisation) ([]*Plugin, error) {
	out := slices.DeleteFunc(h.runningPlugins(), func(p *Plugin) bool { return !p.receives(name) })
	if len(out) == 0 {
		return nil, nil
	}
	modules, err := h.Orgs.ModulesIn(ctx, lineage)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(p *Plugin) bool { return !slices.Contains(modules, p.Name) }), nil
}
