// Package core is the Atrium platform as a Go library. A host program builds
// an App from a configuration, may add its own routes, and runs it:
//
//	cfg, _ := config.Load("config.yaml", true, os.Environ())
//	app, err := core.New(cfg)
//	if err != nil { … }
//	defer app.Close()
//	app.Router().Get("/hello", func(c fiber.Ctx) error { return c.SendString("hi") })
//	err = app.Run(ctx) // migrates, listens, serves until ctx ends, shuts down gracefully
//
// cmd/atrium is such a host program and does nothing more than wire flags.
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/announcement"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/branding"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/events"
	"github.com/atriumhq/atrium/core/files"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/notify"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/pluginhost/hostapi"
	"github.com/atriumhq/atrium/core/privacy"
	"github.com/atriumhq/atrium/core/readstate"
	"github.com/atriumhq/atrium/core/realtime"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
	"github.com/atriumhq/atrium/core/web/account"
	"github.com/atriumhq/atrium/core/web/announcements"
	"github.com/atriumhq/atrium/core/web/dossiers"
	"github.com/atriumhq/atrium/core/web/notices"
	"github.com/atriumhq/atrium/core/web/operator"
	"github.com/atriumhq/atrium/core/web/organisation"
	"github.com/atriumhq/atrium/core/web/people"
	"github.com/atriumhq/atrium/core/web/plugins"
	privacypages "github.com/atriumhq/atrium/core/web/privacy"
	"github.com/atriumhq/atrium/core/web/writing"
	"github.com/atriumhq/atrium/locales"
	"github.com/atriumhq/atrium/themes"
)

// Version is the running version, set at build time with
// -ldflags "-X github.com/atriumhq/atrium/core.Version=v1.2.3".
var Version = "dev"

// App is one running Atrium: its configuration, database, languages, domain
// services and web server.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	db       *store.DB
	catalog  *i18n.Catalog
	orgs     *tenancy.Service
	plugins  *pluginhost.Host
	access   *access.Service
	modules  *module.Registry
	announce *announcement.Service
	dossiers *dossier.Service
	audit    *audit.Service
	reads    *readstate.Service
	files    *files.Service
	events   *events.Log
	notices  *notice.Service
	notify   *notify.Notifier
	brands   *branding.Service
	ident    *identity.Service
	box      *secrets.Box
	// hub fans events out to the open streams; publisher brings events to
	// the hub of every instance (listen runs PostgreSQL's side of it).
	hub       *realtime.Hub
	publisher realtime.Publisher
	listen    func(context.Context)
	mailer    *mail.Mailer
	web       *web.Server
	// metrics is the metrics address's listener, opened by Listen beside
	// the web server's and served by Serve; nil when metrics are off.
	metrics net.Listener
}

// Option changes how New builds the App.
type Option func(*options)

type options struct {
	log io.Writer
}

// WithLogOutput sends the App's structured log to w instead of standard error.
func WithLogOutput(w io.Writer) Option { return func(o *options) { o.log = w } }

// New connects to the database and builds the App. It does not migrate or
// listen yet; errors are one line that says what to do.
func New(cfg config.Config, opts ...Option) (*App, error) {
	o := options{log: os.Stderr}
	for _, opt := range opts {
		opt(&o)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: NewLogger(cfg.Log, o.log)}
	catalog, err := i18n.Load(locales.Files)
	if err != nil {
		return nil, err
	}
	a.catalog = catalog
	db, err := store.Open(context.Background(), cfg.Database)
	if err != nil {
		return nil, err
	}
	a.db = db
	if err := a.build(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return a, nil
}

// build makes the domain services and the web server on the open database.
func (a *App) build() error {
	cfg := a.cfg
	theme, err := themeFS(cfg.Theme.Name)
	if err != nil {
		return err
	}
	if a.box, err = secrets.Open(cfg.Security); err != nil {
		return err
	}
	composer, err := mail.NewComposer(theme, a.catalog)
	if err != nil {
		return err
	}
	a.mailer = mail.NewMailer(a.db, cfg.Mail, composer, a.log)
	a.hub = realtime.NewHub()
	if a.db.Kind == "postgres" {
		pg := realtime.NewPostgres(a.hub, a.db.DB, cfg.Database.URL, a.log)
		a.publisher, a.listen = pg, pg.Run
	} else {
		a.publisher = realtime.NewLocal(a.hub)
	}
	a.events = events.NewLog(a.db)
	a.access = access.NewService(a.db)
	a.orgs = tenancy.NewService(a.db, a.access, dossier.LinkPerson)
	a.modules = module.NewRegistry()
	a.brands = branding.NewService(a.db, themeNames())
	colours := &notify.Colours{Orgs: a.orgs, Brands: a.brands}
	a.ident = identity.NewService(a.db, cfg, a.box, a.mailer, a.orgs, a.log, identity.Hooks{BrandColour: colours.Of, SessionsEnded: a.recheckStreams, CheckGrant: a.access.CheckGrant, Emit: a.events.Emit})
	a.audit = audit.NewService(a.db)
	dir := directory.NewService(a.db)
	a.web, err = web.New(web.Options{
		Config: cfg, Version: Version, Log: a.log, Catalog: a.catalog, Theme: theme,
		Ready: a.db.Ping, VisitorOrganisation: a.visitorOrganisation, Branding: a.brands, Identity: a.ident, Organisations: a.orgs, Access: a.access, Modules: a.modules, Audit: a.audit,
		Realtime: a.hub, Secrets: a.box, Tune: a.publisher.Tune, Steward: dir.Steward, RecheckStreams: a.recheckStreams,
	})
	if err != nil {
		return err
	}
	account.Register(a.web, account.Deps{Identity: a.ident, Orgs: a.orgs, Catalog: a.catalog})
	people.Register(a.web, people.Deps{Identity: a.ident, Orgs: a.orgs, Access: a.access, Directory: dir})
	organisation.Register(a.web, organisation.Deps{Orgs: a.orgs, Access: a.access, Identity: a.ident, Modules: a.modules,
		Catalog: a.catalog, Audit: a.audit, Brands: a.brands})
	a.notices = notice.NewService(a.db)
	notices.Register(a.web, notices.Deps{Notices: a.notices})
	a.notify = notify.New(notify.Deps{DB: a.db, Orgs: a.orgs, Identity: a.ident, Notices: a.notices, Colours: colours,
		Publish: a.publisher.Publish, Log: a.log, BaseURL: cfg.Server.BaseURL})
	a.dossiers = dossier.NewService(a.db, a.notify, a.events)
	a.ident.AddMailKind(identity.MailKind{Key: dossier.Module, Label: "dossier.mail_kind", Default: true})
	a.reads = readstate.NewService(a.db)
	backend, err := openFiles(cfg.Files)
	if err != nil {
		return err
	}
	a.files = files.NewService(a.db, backend, a.allowance, cfg.Files.MaxFileMB, cfg.Files.QuotaMB, a.log)
	a.plugins = pluginhost.New(pluginhost.Deps{Config: cfg.Plugins, BaseURL: strings.TrimRight(cfg.Server.BaseURL, "/"), Member: a.member,
		Modules: a.modules, Rights: a.access.Registry, Catalog: a.catalog, DB: a.db, Secrets: a.box, Events: a.events,
		Deps: hostapi.Deps{Log: a.log, Orgs: a.orgs, Identity: a.ident, Audit: a.audit, Notify: a.notify.Notify, Mail: a.notify.Mail,
			Publish: a.publisher.Publish, Presence: a.publisher.Presence, Counts: a.notices, Dossiers: a.dossiers, Reads: a.reads, Files: a.files}})
	plugins.Register(a.web, plugins.Deps{Host: a.plugins, Counts: a.notices, Files: a.files, Log: a.log})
	operator.Register(a.web, operator.Deps{Mailer: a.mailer, Orgs: a.orgs, Identity: a.ident, Modules: a.modules, Catalog: a.catalog, Plugins: a.plugins, Files: a.files})
	a.announce = announcement.NewService(a.db, a.notify)
	announcements.Register(a.web, announcements.Deps{Announcements: a.announce, Modules: a.modules})
	dossiers.Register(a.web, dossiers.Deps{Dossiers: a.dossiers, Orgs: a.orgs, Identity: a.ident, Reads: a.reads, Modules: a.modules})
	writing.Register(a.web, writing.Deps{})
	privacypages.Register(a.web, privacypages.Deps{Privacy: privacy.NewService(a.db, time.Duration(cfg.Privacy.RetentionDays)*24*time.Hour,
		privacy.Deps{Modules: a.plugins, Files: a.files, Emit: a.events.Emit})})
	return nil
}

// Config is the configuration the App runs with.
func (a *App) Config() config.Config { return a.cfg }

// Log is the App's structured logger.
func (a *App) Log() *slog.Logger { return a.log }

// DB is the App's database.
func (a *App) DB() *store.DB { return a.db }

// Catalog is the App's message catalog.
func (a *App) Catalog() *i18n.Catalog { return a.catalog }

// Organisations is the tenancy service.
func (a *App) Organisations() *tenancy.Service { return a.orgs }

// Access resolves roles to permissions and keeps custom roles.
func (a *App) Access() *access.Service { return a.access }

// DemoDeps are the services the demo seed uses.
func (a *App) DemoDeps() demo.Deps {
	return demo.Deps{Orgs: a.orgs, Identity: a.ident, Announcements: a.announce, Dossiers: a.dossiers, Modules: a.modules.IDs(), Plugins: a.plugins.Demo}
}

// Modules is the registry of modules organisations can switch on.
func (a *App) Modules() *module.Registry { return a.modules }

// Identity is the accounts and sign-in service.
func (a *App) Identity() *identity.Service { return a.ident }

// Audit is the audit log.
func (a *App) Audit() *audit.Service { return a.audit }

// Dossiers is the dossier service.
func (a *App) Dossiers() *dossier.Service { return a.dossiers }

// Plugins is the plugin host.
func (a *App) Plugins() *pluginhost.Host { return a.plugins }

// Mailer queues and delivers mail.
func (a *App) Mailer() *mail.Mailer { return a.mailer }

// Publish sends an event to the open tabs listening to its topic, on every
// instance sharing the database.
func (a *App) Publish(ctx context.Context, e realtime.Event) error {
	return a.publisher.Publish(ctx, e)
}

// Realtime is the hub of this instance's event streams, for its metrics.
func (a *App) Realtime() *realtime.Hub { return a.hub }

// Secrets is the box that seals secrets at rest.
func (a *App) Secrets() *secrets.Box { return a.box }

// Web is the App's web server, for Render and AddNav in host routes.
func (a *App) Web() *web.Server { return a.web }

// Router is where a host program mounts its own routes, behind the core's
// middleware. Add them before Serve or Run.
func (a *App) Router() fiber.Router { return a.web.Router() }

// Migrator gives the migrator over every migration the core's packages own.
func (a *App) Migrator() (*store.Migrator, error) { return store.NewMigrator(a.db, migrations()) }

// Migrate applies pending migrations, writing one line per migration to progress.
func (a *App) Migrate(ctx context.Context, progress io.Writer) (int, error) {
	m, err := a.Migrator()
	if err != nil {
		return 0, err
	}
	m.Progress = progress
	return m.Up(ctx)
}

// Listen opens the configured addresses: server.address, whose listener it
// returns, and server.metrics_address unless that is empty, which Serve
// serves beside it. Both are opened before anything is served, so that a
// port in use stops start-up with one line. Call it once.
func (a *App) Listen() (net.Listener, error) {
	ln, err := web.Listen(a.cfg.Server.Address)
	if err != nil {
		return nil, err
	}
	if a.cfg.Server.MetricsAddress != "" {
		if a.metrics, err = web.ListenMetrics(a.cfg.Server.MetricsAddress); err != nil {
			_ = ln.Close()
			return nil, err
		}
	}
	if problem := baseURLProblem(a.cfg.Server.BaseURL, ln.Addr()); problem != "" {
		a.log.Warn(problem) // once, at start-up
	}
	return ln, nil
}

// MetricsAddr is the address the metrics listener took (the port chosen for
// :0), or nil when metrics are off or Listen has not run.
func (a *App) MetricsAddr() net.Addr {
	if a.metrics == nil {
		return nil
	}
	return a.metrics.Addr()
}

// Serve answers requests on ln, and Prometheus' scrapes on the metrics
// listener that Listen opened, until ctx ends, then shuts both down
// gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	a.log.Info("serving", "address", ln.Addr().String(), "metrics", a.metricsAddress(), "database", a.db.Kind, "version", Version)
	// The metrics end with the web server, also when it fails on its own.
	metricsCtx, stopMetrics := context.WithCancel(ctx)
	defer stopMetrics()
	metrics := make(chan error, 1)
	if a.metrics != nil {
		go func() { metrics <- a.web.ServeMetrics(metricsCtx, a.metrics) }()
	} else {
		metrics <- nil
	}
	background, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); a.mailer.Run(background) }()
	go a.purge(background)
	if a.listen != nil {
		go a.listen(background)
	}
	err := a.web.Serve(ctx, ln)
	stopMetrics()
	if merr := <-metrics; merr != nil {
		err = errors.Join(err, fmt.Errorf("metrics: %w", merr))
	}
	stop() // the workers stop after the last request has finished
	<-done
	a.log.Info("stopped")
	return err
}

// metricsAddress is where the metrics are served, for the log.
func (a *App) metricsAddress() string {
	if addr := a.MetricsAddr(); addr != nil {
		return addr.String()
	}
	return "off"
}

// StartPlugins starts the installed plugins and registers what they offer.
// Call it after Migrate and before Serve (and before seeding, so that the
// demo subscribes to the plugins' modules too).
func (a *App) StartPlugins(ctx context.Context) error { return a.plugins.Start(ctx) }

// Run migrates, starts the plugins, listens on the configured addresses
// (the web server's and the metrics') and serves until ctx ends.
func (a *App) Run(ctx context.Context) error {
	if _, err := a.Migrate(ctx, nil); err != nil {
		return err
	}
	if err := a.StartPlugins(ctx); err != nil {
		return err
	}
	ln, err := a.Listen()
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// purge deletes ended sessions, events older than events.keep_days and
// uploads nobody claimed, every ten minutes.
func (a *App) purge(ctx context.Context) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := a.ident.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("session purge failed", "error", err.Error())
			}
			if days := a.cfg.Events.KeepDays; days > 0 {
				if _, err := a.events.Purge(ctx, time.Now().AddDate(0, 0, -days)); err != nil && ctx.Err() == nil {
					a.log.Warn("purging old events failed", "error", err.Error())
				}
			}
			if n, err := a.files.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("sweeping unclaimed uploads failed", "error", err.Error())
			} else if n > 0 {
				a.log.Info("unclaimed uploads removed", "files", n)
			}
		}
	}
}

// Close stops the plugins and releases the database.
func (a *App) Close() error {
	a.plugins.Stop()
	return a.db.Close()
}

// visitorOrganisation is the organisation a visitor sees: the one named by
// ?org=<slug> (a link an organisation gives its people), else the one whose
// portal address the request came to, else the installation's first subscriber.
func (a *App) visitorOrganisation(c fiber.Ctx) *tenancy.Organisation {
	if slug := c.Query("org"); slug != "" {
		if org, err := a.orgs.BySlug(c.Context(), slug); err == nil && org.Active() {
			return org
		}
	}
	if org, err := a.orgs.ByDomain(c.Context(), c.Hostname()); err == nil && org.Active() {
		return org
	}
	org, err := a.orgs.First(c.Context())
	if err != nil {
		return nil
	}
	return org
}

// themeNames lists the shipped themes.
func themeNames() []string {
	entries, _ := fs.ReadDir(themes.Files, ".")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// themeFS is the chosen shipped theme's folder.
func themeFS(name string) (fs.FS, error) {
	sub, err := fs.Sub(themes.Files, name)
	if err != nil {
		return nil, err
	}
	if _, err := fs.Stat(sub, "layouts/main.html"); err != nil {
		return nil, fmt.Errorf("configuration: theme.name: %q is not a shipped theme", name)
	}
	return sub, nil
}

// member is the caller a person is in an organisation where they work, for
// the calls the plugin host makes on their behalf; nil when they work
// elsewhere.
func (a *App) member(ctx context.Context, userID, orgID int64) (*pluginhost.Caller, error) {
	v, err := a.web.ViewerOf(ctx, userID, orgID)
	if err != nil || v.Org == nil || v.Org.ID != orgID {
		return nil, err
	}
	return &pluginhost.Caller{Org: *v.Org, Lineage: v.Lineage, Can: v.Can, Roles: v.Roles, UserID: userID,
		UserName: v.User.Name(), TimeZone: v.User.TimeZone, Locale: v.Org.Locale}, nil
}

// recheckStreams asks every open event stream of a person, on every
// instance, whether the session that opened it still lives and they still
// work in its organisation: after a sign-out, a recovery, a deactivation.
// A stream that is not asked still finds out at its next ping.
func (a *App) recheckStreams(ctx context.Context, userID int64) {
	orgs, err := a.orgs.MemberOf(ctx, userID)
	if err != nil {
		a.log.Warn("realtime: streams not asked about their sessions", "user", userID, "error", err)
		return
	}
	for _, org := range orgs {
		e := realtime.Event{OrganisationID: org, Topic: "user:" + strconv.FormatInt(userID, 10), Name: realtime.SessionEvent}
		if err := a.publisher.Publish(ctx, e); err != nil {
			a.log.Warn("realtime: streams not asked about their sessions", "user", userID, "error", err)
		}
	}
}

// Notifier tells people what happened: notices, their mails, invitations.
func (a *App) Notifier() *notify.Notifier { return a.notify }

// openFiles opens the store the configuration names, giving an S3 store a
// little while to answer.
func openFiles(cfg config.Files) (files.Backend, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return files.OpenBackend(ctx, cfg)
}

// allowance is what an organisation's subscription allows its files.
func (a *App) allowance(ctx context.Context, orgID int64) (files.Allowance, error) {
	sub, err := a.orgs.Subscription(ctx, orgID)
	if err != nil {
		return files.Allowance{}, err
	}
	return files.Allowance{SubscriberID: sub.OrganisationID, QuotaBytes: int64(sub.StorageMB) << 20, MaxFileBytes: int64(sub.MaxFileMB) << 20}, nil
}

// Events is the App's event log.
func (a *App) Events() *events.Log { return a.events }

// Files is the App's file service.
func (a *App) Files() *files.Service { return a.files }
