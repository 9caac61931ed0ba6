// Package pluginhost runs plugins: separate processes, started with
// hashicorp/go-plugin over gRPC, that serve modules. The host checks each
// binary against the operator's trust file before it runs, reads the
// manifest, registers the module's permissions, messages, navigation, routes
// and start-page tiles, health-checks each process on its own, kills one that
// hangs, restarts a dead one with backoff, and marks it failed after repeated
// crashes or hangs. A plugin that is down costs its own pages only: they
// answer "back in a moment", core pages never notice.
package pluginhost

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/pluginhost/sandbox"
	"github.com/atriumhq/atrium/core/readstate"
	"github.com/atriumhq/atrium/core/realtime"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Deps are the parts of the core the host registers plugins with.
type Deps struct {
	Config config.Plugins
	// BaseURL is the server's public address, for addresses shown to apps.
	BaseURL  string
	Log      *slog.Logger
	Web      *web.Server
	Modules  *module.Registry
	Catalog  *i18n.Catalog
	Orgs     *tenancy.Service
	Identity *identity.Service
	Audit    *audit.Service
	// DB is where plugins' statements run, behind the wall.
	DB *store.DB
	// Notify leaves a person a notice and mails them when they want it.
	Notify func(ctx context.Context, orgID, userID int64, module, message, link string) error
	// Mail sends a person a mail a module wrote, when they want the
	// module's mails.
	Mail func(ctx context.Context, orgID, userID int64, module, subject, text string, cal mail.Calendar) error
	// Publish sends an event to the open tabs listening to its topic;
	// Presence tells who has a tab open, and who is away from all theirs.
	Publish  func(ctx context.Context, e realtime.Event) error
	Presence func(ctx context.Context, orgID int64, users []int64) (map[int64]realtime.State, error)
	// Counts keeps what waits for people in each module, for badges.
	Counts *notice.Service
	// Dossiers and Reads answer plugins' questions about dossiers and what
	// is new in them.
	Dossiers *dossier.Service
	Reads    *readstate.Service
}

// Host runs the installation's plugins.
type Host struct {
	Deps
	mu      sync.Mutex
	plugins map[string]*Plugin
	// preloads are the reads plugin pages ran, run ahead of the next call.
	preloads preloads
	stop     chan struct{}
	done     sync.WaitGroup
	calls    calls
	wall     *wall
}

// New returns a host; Start runs the plugins.
func New(d Deps) *Host {
	return &Host{Deps: d, plugins: map[string]*Plugin{}, stop: make(chan struct{}), wall: &wall{db: d.DB}}
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
		h.Log.Info("plugin started", "plugin", name, "version", p.manifest.GetVersion(), "pid", p.pid)
	}
	h.done.Add(len(h.plugins) + 1)
	for _, p := range h.plugins {
		go h.supervise(p)
	}
	go h.ticking()
	return nil
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

// ErrDown is returned while a plugin is not running.
var ErrDown = errors.New("pluginhost: plugin is not running")

// migrate runs the plugin's migrations through the wall, with schema
// statements allowed on its own tables, then secures its tables: on
// PostgreSQL once, in its schema; on SQLite in its schema file and then in
// each organisation's file.
func (h *Host) migrate(ctx context.Context, p *Plugin) error {
	w := h.wall
	if err := w.mayUseName(ctx, p.Name); err != nil {
		return err
	}
	if w.db.Kind == "postgres" {
		pp, err := w.preparePostgres(ctx, p.Name, pluginConns, maxRowBytes)
		if err != nil {
			return err
		}
		w.setPostgres(p.Name, pp)
		return h.migrateIn(ctx, p, 0, true)
	}
	sp, err := w.prepareSQLite(ctx, p.Name)
	if err != nil {
		return err
	}
	w.setSQLite(p.Name, sp)
	orgs, err := sp.openForMigrations(ctx)
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
		f, err := sp.file(ctx, org)
		if err != nil {
			return err
		}
		if err := h.migrateIn(ctx, p, org, !sp.upToDate(ctx, f)); err != nil {
			h.Log.Error("plugin migrations failed in an organisation's file; its calls fail until the plugin starts again", "plugin", p.Name, "organisation", org, "error", err)
			sp.fail(org, err)
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
		h.calls.open(token, &scope{plugin: p.Name, orgID: org, migrating: true, deadline: time.Now().Add(time.Minute)})
		mctx, cancel := context.WithTimeout(ctx, time.Minute)
		resp, err := p.conn().Migrate(mctx, &pluginv1.MigrateRequest{Context: &pluginv1.CallContext{Token: token}})
		cancel()
		h.calls.close(token) // no statement of the migrations is admitted after this
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, name := range resp.GetApplied() {
			h.Log.Info("plugin migration applied", "plugin", p.Name, "migration", name, "organisation", org)
		}
	}
	// Nor does one still running outlive it: the host's checks come after
	// the migrations' last statement, never before.
	if err := h.wall.endMigrations(ctx, p.Name, org); err != nil {
		return err
	}
	return h.wall.secureTables(ctx, p.Name, org)
}

// registerMu serialises registration with the core's registries.
var registerMu sync.Mutex

// register adds what a plugin offers to the core: messages, permissions and
// their default roles, the module, navigation, routes and start-page tiles.
func (h *Host) register(p *Plugin) error {
	registerMu.Lock()
	defer registerMu.Unlock()
	m := p.manifest
	for _, lf := range m.GetLocales() {
		if err := h.Catalog.AddMessages(lf.GetLocale(), lf.GetToml()); err != nil {
			return err
		}
	}
	for _, perm := range m.GetPermissions() {
		access.Register(access.Permission(perm.GetName()))
		for _, role := range perm.GetDefaultRoles() {
			access.AddToRole(access.Role(role), access.Permission(perm.GetName()))
		}
	}
	h.Modules.Add(module.Descriptor{ID: m.GetId(), Label: m.GetLabel(), Description: m.GetSummary(), Icon: m.GetIcon(),
		Path: "/m/" + m.GetId() + "/", Permission: firstPermission(m)})
	for _, n := range m.GetNavigation() {
		h.Web.AddNav(h.navItem(m.GetId(), n))
	}
	for _, n := range m.GetPanels() {
		h.Web.AddPanel(h.navItem(m.GetId(), n))
	}
	for _, r := range m.GetRoutes() {
		path := "/m/" + m.GetId() + r.GetPath()
		h.Web.Handle(r.GetMethod(), path, web.InModule(m.GetId(), web.Need(access.Permission(r.GetPermission()))), h.page(p, r))
	}
	if m.GetFeed() {
		h.Web.HandleFeed(m.GetId(), h.passThrough(p, func(fiber.Ctx) string { return "/feeds/" + m.GetId() }))
	}
	for _, prefix := range m.GetRawPrefixes() {
		h.Web.HandleProtocol(prefix, m.GetId(), h.passThrough(p, func(c fiber.Ctx) string { return c.Path() }))
		for _, service := range m.GetWellKnown() {
			if !h.Web.WellKnown(service, prefix) {
				h.Log.Warn("another plugin offers this service for discovery; left out", "plugin", m.GetId(), "service", service)
			}
		}
	}
	// People choose whether the module's notices also come by mail.
	identity.AddMailKind(identity.MailKind{Key: m.GetId(), Label: m.GetLabel(), Default: true})
	for _, slot := range m.GetSlots() {
		if !slices.Contains(web.Slots, slot) {
			h.Log.Warn("plugin asks for a slot the core does not have; left out", "plugin", m.GetId(), "slot", slot)
			continue
		}
		h.Web.AddSlotFiller(slot, web.SlotFiller{Module: m.GetId(), Prepare: h.slot(p, slot)})
	}
	return nil
}

// navItem is a module's navigation entry or panel as the core shows it,
// with the module's count for the person when it is counted.
func (h *Host) navItem(module string, n *pluginv1.NavEntry) web.NavItem {
	item := web.NavItem{Label: n.GetLabel(), Icon: n.GetIcon(), Path: "/m/" + module + n.GetPath(),
		Rule: web.InModule(module, web.Need(access.Permission(n.GetPermission()))), Group: web.NavModules}
	if n.GetCounted() && h.Counts != nil {
		item.Badge = func(c fiber.Ctx) (int, error) {
			v := web.CurrentViewer(c)
			return h.Counts.Count(c.Context(), v.Org.ID, v.User.ID, module)
		}
	}
	return item
}

// firstPermission is the permission of the module's first navigation entry:
// the start-page tile needs the same right as the menu.
func firstPermission(m *pluginv1.ManifestResponse) access.Permission {
	for _, n := range m.GetNavigation() {
		return access.Permission(n.GetPermission())
	}
	return ""
}
