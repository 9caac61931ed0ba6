package pluginhost

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Reload swaps a plugin's process for one of the binary now at its path, for
// the development loop (atrium serve --dev): the binary's sum is taken as it
// is, so reload only binaries you have just built. New migrations run. Routes,
// navigation, permissions and slots stay those registered at start; when the
// new manifest changes them, restart reports that Atrium must restart too.
func (h *Host) Reload(ctx context.Context, name string) (restart bool, err error) {
	p := h.Plugin(name)
	if p == nil {
		return false, fmt.Errorf("plugins: there is no plugin %s", name)
	}
	sum, err := Sum(p.Path)
	if err != nil {
		return false, err
	}
	raw, _ := hex.DecodeString(sum)
	p.mu.Lock()
	before := p.manifest
	p.reloading, p.sum, p.host = true, raw, h
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.reloading = false
		p.mu.Unlock()
	}()
	p.stop()
	if err := p.start(ctx, h.Config, raw, h.Log); err != nil {
		return false, err
	}
	if err := h.migrate(ctx, p); err != nil {
		return false, err
	}
	p.mu.RLock()
	after := p.manifest
	p.mu.RUnlock()
	return before == nil || !sameRegistration(before, after), nil
}

// sameRegistration tells whether two manifests register the same routes,
// navigation, permissions, slots and protocol prefixes.
func sameRegistration(a, b *pluginv1.ManifestResponse) bool {
	same := func(x, y []string) bool { return slices.Equal(x, y) }
	return same(a.GetSlots(), b.GetSlots()) && same(a.GetRawPrefixes(), b.GetRawPrefixes()) &&
		slices.EqualFunc(a.GetRoutes(), b.GetRoutes(), func(x, y *pluginv1.Route) bool { return proto.Equal(x, y) }) &&
		slices.EqualFunc(a.GetNavigation(), b.GetNavigation(), func(x, y *pluginv1.NavEntry) bool { return proto.Equal(x, y) }) &&
		slices.EqualFunc(a.GetPermissions(), b.GetPermissions(), func(x, y *pluginv1.Permission) bool { return proto.Equal(x, y) })
}
