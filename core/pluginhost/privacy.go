package pluginhost

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"time"

	"github.com/atriumhq/atrium/core/audit"
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

// maxExport bounds one plugin's part of an export in one organisation (it
// comes in pieces, into temporary files).
const maxExport = 256 << 20

// ExportParts asks each plugin for its part of the person's export. The
// parts are kept in temporary files until the export is written
// (ModulePart.Close removes them), never whole in memory.
func (h *Host) ExportParts(ctx context.Context, personID int64, orgs []int64) (parts []privacy.ModulePart, err error) {
	defer func() {
		if err != nil {
			for _, p := range parts {
				p.Close()
			}
			parts = nil
		}
	}()
	err = h.eachPrivacy(ctx, orgs, func(ctx context.Context, p *Plugin, as calls.Scope) error {
		part := privacy.ModulePart{Module: p.Name, OrganisationID: as.OrgID}
		err := h.askPrivacy(ctx, p, as, &pluginv1.PrivacyRequest{Action: "export", PersonId: personID}, func(recv func() (*pluginv1.PrivacyChunk, error)) error {
			return receiveExport(recv, &part)
		})
		if err != nil {
			part.Close()
			return err
		}
		parts = append(parts, part)
		return nil
	})
	return parts, err
}

// exportName is what a file of a module's part may be called: it goes into
// the person's ZIP below the module's folder, on any system.
var exportName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// receiveExport writes a plugin's pieces into temporary files: one per
// file, named as the plugin says where that is a plain name (file-<n>
// otherwise, and for a name given twice), at most maxExport in all.
func receiveExport(recv func() (*pluginv1.PrivacyChunk, error), part *privacy.ModulePart) error {
	var f *os.File
	defer func() {
		if f != nil {
			_ = f.Close()
		}
	}()
	seen, size := map[string]bool{}, 0
	for {
		chunk, err := recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if chunk.GetName() != "" || f == nil {
			if f != nil {
				if err := f.Close(); err != nil {
					return err
				}
			}
			name := chunk.GetName()
			if !exportName.MatchString(name) || seen[name] || name == "." || name == ".." {
				name = fmt.Sprintf("file-%d", len(part.Files)+1)
			}
			seen[name] = true
			if f, err = os.CreateTemp("", "atrium-export-*"); err != nil {
				return err
			}
			part.Files = append(part.Files, privacy.ModuleFile{Name: name, Path: f.Name()})
		}
		if size += len(chunk.GetData()); size > maxExport {
			return fmt.Errorf("its part is more than %d bytes", maxExport)
		}
		if _, err := f.Write(chunk.GetData()); err != nil {
			return err
		}
	}
}

// ErasePerson asks each plugin to erase, or anonymise, the person; each
// erasure done is recorded in the organisation's audit log.
func (h *Host) ErasePerson(ctx context.Context, personID int64, orgs []int64, retention time.Duration) error {
	days := int32(retention / (24 * time.Hour))
	return h.eachPrivacy(ctx, orgs, func(ctx context.Context, p *Plugin, as calls.Scope) error {
		err := h.askPrivacy(ctx, p, as, &pluginv1.PrivacyRequest{Action: "erase", PersonId: personID, RetentionDays: days}, func(recv func() (*pluginv1.PrivacyChunk, error)) error {
			for {
				if _, err := recv(); err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return err
				}
			}
		})
		if err != nil {
			return err
		}
		org := as.OrgID
		return audit.Record(ctx, h.DB, audit.Event{OrganisationID: &org, SubjectID: &personID, Action: "privacy.module_erased", Detail: p.Name})
	})
}

// eachPrivacy runs ask for each installed plugin that serves Privacy, in
// each of the organisations, as that organisation (as nobody), with
// tries; the first that keeps failing fails it all. A module switched off
// is asked too: what it keeps is still there, and comes back when it is
// switched on.
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
		for _, p := range plugins {
			if !p.servesPrivacy() {
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

// askPrivacy makes one Privacy call and reads its answer with read.
func (h *Host) askPrivacy(ctx context.Context, p *Plugin, sc calls.Scope, req *pluginv1.PrivacyRequest, read func(recv func() (*pluginv1.PrivacyChunk, error)) error) error {
	rpc := p.conn()
	if rpc == nil {
		return ErrDown
	}
	sc.Plugin, sc.Deadline = p.Name, time.Now().Add(time.Minute)
	cc := &pluginv1.CallContext{Token: secrets.Token(24), OrganisationId: sc.OrgID, Locale: sc.Locale}
	h.calls.Open(cc.Token, &sc)
	defer h.calls.Close(cc.Token)
	callCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req.Context = cc
	stream, err := rpc.Privacy(callCtx, req)
	if err != nil {
		return err
	}
	return read(stream.Recv)
}
