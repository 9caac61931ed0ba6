package pluginhost

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/privacy"
	"github.com/atriumhq/atrium/core/secrets"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// A person's export and erasure reach every plugin that keeps something
// of theirs (it serves Privacy) in each organisation of theirs that has
// it on. A plugin that is down or fails is tried again a few times; then
// the whole export or erasure fails, naming it.

// privacyTries is how often a plugin is asked before its part fails, and
// privacyPause the wait between tries (doubling).
const (
	privacyTries = 3
	privacyPause = 500 * time.Millisecond
)

// maxExport bounds one plugin's part of an export in one organisation.
const maxExport = 32 << 20

// ExportParts asks each plugin for its part of the person's export.
func (h *Host) ExportParts(ctx context.Context, personID int64, orgs []int64) ([]privacy.ModulePart, error) {
	var out []privacy.ModulePart
	err := h.eachPrivacy(ctx, orgs, func(ctx context.Context, p *Plugin, as calls.Scope) error {
		resp, err := h.askPrivacy(ctx, p, as, &pluginv1.PrivacyRequest{Action: "export", PersonId: personID})
		if err != nil {
			return err
		}
		part := privacy.ModulePart{Module: p.Name, OrganisationID: as.OrgID}
		size := 0
		for _, f := range resp.GetFiles() {
			size += len(f.GetData())
			part.Files = append(part.Files, privacy.ModuleFile{Name: f.GetName(), Data: f.GetData()})
		}
		if size > maxExport {
			return fmt.Errorf("its part is %d bytes, more than %d", size, maxExport)
		}
		out = append(out, part)
		return nil
	})
	return out, err
}

// ErasePerson asks each plugin to erase, or anonymise, the person.
func (h *Host) ErasePerson(ctx context.Context, personID int64, orgs []int64, retention time.Duration) error {
	days := int32(retention / (24 * time.Hour))
	return h.eachPrivacy(ctx, orgs, func(ctx context.Context, p *Plugin, as calls.Scope) error {
		_, err := h.askPrivacy(ctx, p, as, &pluginv1.PrivacyRequest{Action: "erase", PersonId: personID, RetentionDays: days})
		return err
	})
}

// eachPrivacy runs ask for each installed plugin that serves Privacy, in
// each organisation that has it on, as that organisation (as nobody),
// with tries; the first that keeps failing fails it all.
func (h *Host) eachPrivacy(ctx context.Context, orgs []int64, ask func(context.Context, *Plugin, calls.Scope) error) error {
	h.mu.Lock()
	var plugins []*Plugin
	for _, p := range h.plugins {
		plugins = append(plugins, p)
	}
	h.mu.Unlock()
	slices.SortFunc(plugins, func(a, b *Plugin) int { return cmp.Compare(a.Name, b.Name) })
	for _, org := range orgs {
		lineage, err := h.Orgs.Lineage(ctx, org)
		if err != nil {
			return err
		}
		modules, err := h.Orgs.ModulesIn(ctx, lineage)
		if err != nil {
			return err
		}
		for _, p := range plugins {
			if !slices.Contains(modules, p.Name) || !p.servesPrivacy() {
				continue
			}
			as := calls.Scope{OrgID: org, Locale: lineage[0].Locale, Lineage: lineage}
			var err error
			pause := privacyPause
			for try := range privacyTries {
				if err = ask(ctx, p, as); err == nil {
					break
				}
				h.Log.Warn("privacy: plugin did not do its part", "plugin", p.Name, "organisation", org, "try", try+1, "error", err.Error())
				select {
				case <-ctx.Done():
					return &privacy.ModuleFailed{Module: p.Name, Err: ctx.Err()}
				case <-time.After(pause):
				}
				pause *= 2
			}
			if err != nil {
				return &privacy.ModuleFailed{Module: p.Name, Err: err}
			}
		}
	}
	return nil
}

// servesPrivacy tells whether the plugin takes part in exports and
// erasures; one that keeps nothing about people need not.
func (p *Plugin) servesPrivacy() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	// A plugin down has no manifest to say so: the manifest read at its
	// last start does.
	return p.manifest != nil && slices.Contains(p.manifest.GetImplements(), "Privacy")
}

// askPrivacy makes one Privacy call.
func (h *Host) askPrivacy(ctx context.Context, p *Plugin, sc calls.Scope, req *pluginv1.PrivacyRequest) (*pluginv1.PrivacyResponse, error) {
	rpc := p.conn()
	if rpc == nil {
		return nil, ErrDown
	}
	sc.Plugin, sc.Deadline = p.Name, time.Now().Add(time.Minute)
	cc := &pluginv1.CallContext{Token: secrets.Token(24), OrganisationId: sc.OrgID, Locale: sc.Locale}
	h.calls.Open(cc.Token, &sc)
	defer h.calls.Close(cc.Token)
	callCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req.Context = cc
	return rpc.Privacy(callCtx, req)
}
