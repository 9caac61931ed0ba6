// Package pluginhost supervises plugins: separate processes, started with
// hashicorp/go-plugin over gRPC, that serve modules. The host checks each
// binary against the operator's trust file before it runs, reads the
// manifest, registers the module's permissions, messages and kind of mail,
// hands the module to the web front (OnModule), health-checks each process
// on its own, kills one that hangs, restarts a dead one with backoff, and
// marks it failed after repeated crashes or hangs. A plugin that is down
// costs its own pages only: they answer "back in a moment", core pages
// never notice.
//
// Around it: package calls keeps the live calls and what each token may
// reach; package wall runs the plugins' statements behind the database
// wall; package hostapi serves the calls plugins make back (people,
// notices, mail, audit, publish, dossiers, feeds, counts). The web front,
// core/web/plugins, asks the host through Handle and Slot and never sees
// more.
package pluginhost

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"google.golang.org/grpc"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/events"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/pluginhost/hostapi"
	"github.com/atriumhq/atrium/core/pluginhost/sandbox"
	"github.com/atriumhq/atrium/core/pluginhost/wall"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Deps are the parts of the core the host registers plugins with, and
// what the host API of every plugin reaches (hostapi.Deps: the host fills
// in Emit itself).
type Deps struct {
	hostapi.Deps
	Config config.Plugins
	// BaseURL is the server's public address, for addresses shown to apps.
	BaseURL string
	// Member is the caller a person is in an organisation, for the calls
	// the host makes on their behalf (a plugin's demo data).
	Member  func(ctx context.Context, userID, orgID int64) (*Caller, error)
	Modules *module.Registry
	// Rights are the installation's permissions, where each plugin's join.
	Rights  *access.Registry
	Catalog *i18n.Catalog
	// DB is where plugins' statements run, behind the wall.
	DB *store.DB
	// Secrets is the installation's key, which every instance shares: the
	// plugins' database roles take their passwords from it, so instances
	// on one PostgreSQL database agree on them.
	Secrets *secrets.Box
	// Events is the log plugins emit to and receive from.
	Events *events.Log
}

// Host runs the installation's plugins.
type Host struct {
	Deps
	mu      sync.Mutex
	plugins map[string]*Plugin
	// preloads are the reads plugin pages ran, run ahead of the next call.
	preloads wall.Preloads
	stop     chan struct{}
	done     sync.WaitGroup
	calls    calls.Registry
	wall     *wall.Wall
	// mounts put each module on the web front (OnModule).
	mounts []func(*pluginv1.ManifestResponse)
	// instance names this process in the claims it makes on the event log.
	instance string
	// starts holds where each plugin started reading the log (since).
	starts sync.Map
}

// New returns a host; Start runs the plugins.
func New(d Deps) *Host {
	return &Host{Deps: d, plugins: map[string]*Plugin{}, stop: make(chan struct{}), wall: wall.New(d.DB, d.Log, d.Secrets), instance: secrets.Token(9)}
}

// Start discovers, checks and starts every plugin, registering what each
// offers, then supervises them until Stop. It must run before the server
// serves: registration changes the routes and the message catalog. A plugin
// that fails to start is reported, never fatal.
func (h *Host) Start(ctx context.Context) error {
	bins, err := Binaries(h.Config.Dir)
	if err != nil {
		return fmt.Errorf("plugins: cannot read %s (%v); check plugins.dir", h.Config.Dir, err)
	}
	trust, err := LoadTrust(h.Config.TrustFile)
	if err != nil {
		return err
	}
	// Without a sandbox no plugin starts, unless the operator said so.
	var boxless error
	if h.Config.Sandbox == "off" {
		h.Log.Warn("plugins run WITHOUT a sandbox (plugins.sandbox: off): each can read the host's files and environment, reach the network and signal Atrium's processes; run only plugins you trust as you trust Atrium")
	} else if boxless = sandbox.Check(); boxless != nil {
		h.Log.Error("plugins not started", "error", boxless.Error())
	}
	names := make([]string, 0, len(bins))
	for name := range bins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := &Plugin{Name: name, Path: bins[name], state: StateStarting}
		h.plugins[name] = p
		sum, err := Sum(p.Path)
		switch {
		case err != nil:
			p.state, p.problem = StateFailed, err.Error()
			continue
		case containsDisabled(trust, name):
			p.state, p.problem = StateDisabled, "disabled by the operator"
			continue
		case trust.Allowed(name, sum):
		default:
			vendor, signed := trust.Signed(p.Path, sum)
			if !signed {
				p.state, p.problem = StateUntrusted, "the binary's SHA-256 "+sum[:12]+"… is not allowed and not signed by a trusted vendor; run: atrium plugin allow "+name
				h.Log.Warn("plugin not started: not allowed", "plugin", name, "sha256", sum)
				continue
			}
			p.vendor = vendor
		}
		if boxless != nil {
			p.state, p.problem = StateFailed, boxless.Error()
			continue
		}
		p.sum, _ = hex.DecodeString(sum) // the sum the binary must keep at every (re)start
		p.host = h
		if err := h.firstStart(ctx, p, p.sum); err != nil {
			p.state, p.problem = StateFailed, fmt.Sprintf("did not start after %d tries: %v", startTries, err)
			h.Log.Error("plugin failed", "plugin", name, "error", err.Error())
			continue
		}
		if err := h.migrate(ctx, p); err != nil {
			p.stop()
			p.state, p.problem = StateFailed, err.Error()
			h.Log.Error("plugin migrations failed", "plugin", name, "error", err.Error())
			continue
		}
		if err := h.register(p); err != nil {
			p.stop()
			p.state, p.problem = StateFailed, err.Error()
			h.Log.Error("plugin refused", "plugin", name, "error", err.Error())
			continue
		}
		if err := h.subscribe(ctx, p); err != nil {
			h.Log.Warn("events: cannot subscribe; the plugin gets them from its next start", "plugin", name, "error", err.Error())
		}
		h.Log.Info("plugin started", "plugin", name, "version", p.manifest.GetVersion(), "pid", p.pid)
	}
	h.done.Add(len(h.plugins) + 2)
	for _, p := range h.plugins {
		go h.supervise(p)
	}
	go h.ticking()
	go h.delivering()
	return nil
}

// OnModule has mount called with each plugin's manifest once the plugin is
// registered, at Start: the web front adds the module's pages, navigation,
// protocol endpoints and slots. Call it before Start.
func (h *Host) OnModule(mount func(*pluginv1.ManifestResponse)) {
	h.mounts = append(h.mounts, mount)
}

// startTries bounds the attempts at the first start: a plugin that crashes at
// start-up every time is marked failed, and Atrium serves without it.
const startTries = 3

func (h *Host) firstStart(ctx context.Context, p *Plugin, sum []byte) error {
	var err error
	pause := 100 * time.Millisecond
	for try := 1; try <= startTries; try++ {
		if err = p.start(ctx, h.Config, sum, h.Log); err == nil {
			return nil
		}
		h.Log.Warn("plugin did not start", "plugin", p.Name, "try", try, "error", err.Error())
		time.Sleep(pause)
		pause *= 2
	}
	return err
}

func containsDisabled(t *Trust, name string) bool {
	for _, d := range t.Disabled {
		if d == name {
			return true
		}
	}
	return false
}

// Unsandboxed tells whether the operator switched the plugin sandbox off.
func (h *Host) Unsandboxed() bool { return h.Config.Sandbox == "off" }

// Plugins lists the plugins' states for the operator, by name.
func (h *Host) Plugins() []Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Status
	for _, p := range h.plugins {
		out = append(out, p.Status())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PluginsWithEvents is Plugins with how each one's events fare, for the
// operator's page.
func (h *Host) PluginsWithEvents(ctx context.Context) ([]Status, error) {
	out := h.Plugins()
	if h.Events == nil {
		return out, nil
	}
	for i := range out {
		var err error
		if out[i].Events, err = h.Events.TroubleOf(ctx, "plugin:"+out[i].Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Plugin finds a plugin by name.
func (h *Host) Plugin(name string) *Plugin {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.plugins[name]
}

// Stop ends supervision and every plugin process.
func (h *Host) Stop() {
	select {
	case <-h.stop:
		return
	default:
		close(h.stop)
	}
	h.done.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.plugins {
		p.stop()
	}
}

// Table is the name a plugin's table is reached by through PluginDB: on
// PostgreSQL it lives in the plugin's schema.
func (h *Host) Table(plugin, table string) string { return h.wall.Table(plugin, table) }

// PluginDB reaches a plugin's tables from the host's side, for tests and
// tools: the installation's database on PostgreSQL, the organisation's
// file of the plugin's on SQLite.
func (h *Host) PluginDB(plugin string, org int64) bun.IDB { return h.wall.PluginDB(plugin, org) }

// Tables lists a plugin's tables by the names Table gives.
func (h *Host) Tables(ctx context.Context, plugin string) ([]string, error) {
	return h.wall.Tables(ctx, plugin)
}

// ErrDown is returned while a plugin is not running.
var ErrDown = errors.New("pluginhost: plugin is not running")

// migrate runs the plugin's migrations through the wall, with schema
// statements allowed on its own tables, then secures its tables: on
// PostgreSQL once, in its schema; on SQLite in its schema file and then in
// each organisation's file.
func (h *Host) migrate(ctx context.Context, p *Plugin) error {
	// Instances that start together take turns: roles, grants and
	// migrations are one plugin's at a time on one database.
	unlock, err := h.wall.Lock(ctx, p.Name)
	if err != nil {
		return err
	}
	defer unlock()
	orgs, err := h.wall.Prepare(ctx, p.Name)
	if err != nil {
		return err
	}
	if err := h.migrateIn(ctx, p, 0, true); err != nil {
		return err
	}
	// Each organisation's file after the schema file, asking the plugin
	// only where a migration is missing. One that fails there fails that
	// organisation's calls, not everyone's: its rows may be what a
	// migration cannot take.
	for _, org := range orgs {
		behind, err := h.wall.Behind(ctx, p.Name, org)
		if err != nil {
			return err
		}
		if err := h.migrateIn(ctx, p, org, behind); err != nil {
			h.Log.Error("plugin migrations failed in an organisation's file; its calls fail until the plugin starts again", "plugin", p.Name, "organisation", org, "error", err)
			h.wall.Fail(p.Name, org, err)
		}
	}
	return nil
}

// migrateIn runs the plugin's migrations (when ask) in one organisation's
// file (0: the schema, or the schema file), then ends them and secures the
// tables.
func (h *Host) migrateIn(ctx context.Context, p *Plugin, org int64, ask bool) error {
	if ask && slices.Contains(p.manifest.GetImplements(), "Migrate") {
		token := secrets.Token(24)
		h.calls.Open(token, &calls.Scope{Plugin: p.Name, OrgID: org, Migrating: true, Deadline: time.Now().Add(time.Minute)})
		mctx, cancel := context.WithTimeout(ctx, time.Minute)
		resp, err := p.conn().Migrate(mctx, &pluginv1.MigrateRequest{Context: &pluginv1.CallContext{Token: token}})
		cancel()
		h.calls.Close(token) // no statement of the migrations is admitted after this
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, name := range resp.GetApplied() {
			h.Log.Info("plugin migration applied", "plugin", p.Name, "migration", name, "organisation", org)
		}
	}
	// Nor does one still running outlive it: the host's checks come after
	// the migrations' last statement, never before.
	if err := h.wall.EndMigrations(ctx, p.Name, org); err != nil {
		return err
	}
	return h.wall.SecureTables(ctx, p.Name, org)
}

// register adds what a plugin offers to the core: messages, permissions and
// their default roles, the module, navigation, routes and start-page tiles.
func (h *Host) register(p *Plugin) error {
	m := p.manifest
	for _, lf := range m.GetLocales() {
		if err := h.Catalog.AddMessages(lf.GetLocale(), lf.GetToml()); err != nil {
			return err
		}
	}
	for _, perm := range m.GetPermissions() {
		h.Rights.Register(access.Permission(perm.GetName()))
		for _, role := range perm.GetDefaultRoles() {
			h.Rights.AddToRole(access.Role(role), access.Permission(perm.GetName()))
		}
	}
	h.Modules.Add(module.Descriptor{ID: m.GetId(), Label: m.GetLabel(), Description: m.GetSummary(), Icon: m.GetIcon(),
		Path: "/m/" + m.GetId() + "/", Permission: firstPermission(m)})
	// People choose whether the module's notices also come by mail.
	h.Identity.AddMailKind(identity.MailKind{Key: m.GetId(), Label: m.GetLabel(), Default: true})
	for _, mount := range h.mounts {
		mount(m)
	}
	return nil
}

// firstPermission is the permission of the module's first navigation entry:
// the start-page tile needs the same right as the menu.
func firstPermission(m *pluginv1.ManifestResponse) access.Permission {
	for _, n := range m.GetNavigation() {
		return access.Permission(n.GetPermission())
	}
	return ""
}

// serveHost starts the plugin's Host service on the broker and returns the
// id the plugin dials, once, for every Host call it makes.
func (h *Host) serveHost(p *Plugin, broker brokerLike) uint32 {
	id := broker.NextId()
	db := &wall.Service{Plugin: p.Name, Calls: &h.calls, Wall: h.wall, Log: h.Log, Statements: &p.statements}
	svc := hostapi.New(h.api(), db, func() *pluginv1.ManifestResponse {
		p.mu.RLock()
		defer p.mu.RUnlock()
		return p.manifest
	})
	go broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		// Workers kept warm instead of a goroutine per call: a little off
		// every round trip (measured in BenchmarkQuery).
		s := grpc.NewServer(append(opts, grpc.NumStreamWorkers(4))...)
		pluginv1.RegisterHostServer(s, svc)
		return s
	})
	return id
}

// api is what the host API of every plugin reaches: the core's services,
// and the host's own delivery of the events plugins emit.
func (h *Host) api() hostapi.Deps {
	d := h.Deps.Deps
	d.Emit = h.emit
	return d
}

// brokerLike is the part of go-plugin's broker the host uses.
type brokerLike interface {
	NextId() uint32
	AcceptAndServe(id uint32, newServer func([]grpc.ServerOption) *grpc.Server)
}
