// Package web owns Atrium's HTTP side: the Fiber application, its middleware
// (request ids, security headers, logs, CSRF, rate limits, language), the theme's
// templates and assets, one render helper that answers htmx with partials, and
// the error pages. Handlers are thin: they call domain services and render.
package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/limiter"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/branding"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/realtime"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Options are what the web server needs from the rest of the core.
type Options struct {
	Config  config.Config
	Version string
	Log     *slog.Logger
	Catalog *i18n.Catalog
	// Theme holds layouts/, pages/, partials/, errors/ and static/.
	Theme fs.FS
	// Ready reports whether the server can serve (for /readyz).
	Ready func(context.Context) error
	// VisitorOrganisation is the organisation shown to people not signed in
	// (the sign-in page by organisation address or link); nil for none.
	VisitorOrganisation func(fiber.Ctx) *tenancy.Organisation
	// Branding gives organisations' looks.
	Branding *branding.Service
	// Identity finds sessions; Organisations finds the signed-in person's
	// organisation and roles.
	Identity      *identity.Service
	Organisations *tenancy.Service
	Access        *access.Service
	// Modules is the registry of modules, for the start page's tiles.
	Modules *module.Registry
	// Audit records what people do through the pages.
	Audit *audit.Service
	// Realtime is the hub of event streams; Secrets signs the topics a
	// page adds to its stream.
	Realtime *realtime.Hub
	Secrets  *secrets.Box
	// Tune brings a tab's tuning to the instance holding its stream.
	Tune func(ctx context.Context, t realtime.Tune) error
	// Steward tells whether the administrators of an organisation look
	// after a person's whole account (people.Steward), for routes whose
	// rule says Account.
	Steward func(ctx context.Context, orgID, userID int64) (bool, error)
	// RecheckStreams asks a person's open event streams whether they may go
	// on (after a deactivation).
	RecheckStreams func(ctx context.Context, userID int64)
}

// NavItem is one entry in the navigation column.
type NavItem struct {
	Label string // message id
	Icon  string // symbol in the theme's icon sprite
	Path  string
	// Rule decides who sees the entry; the zero rule shows it to everyone.
	Rule Rule
	// Group orders the column: the start, modules, administration, the
	// person's own settings, the platform.
	Group NavGroup
	// Badge, when set, counts what waits behind the entry (unread notices);
	// Count holds its answer for the page being rendered.
	Badge func(c fiber.Ctx) (int, error)
	Count int
	// OnlyCounted shows the entry only while its badge counts something
	// (invitations waiting for an answer).
	OnlyCounted bool
	// CountLabel is the message id screen readers hear after the count;
	// "" is "unread".
	CountLabel string
}

// NavGroup is a part of the navigation column.
type NavGroup int

// Groups of the navigation, top to bottom.
const (
	NavStart NavGroup = iota
	NavModules
	NavAdministration
	NavAccount
	NavPlatform
)

// Active tells whether the entry leads to the page at path.
func (n NavItem) Active(path string) bool {
	if n.Path == "/" {
		return path == "/"
	}
	return path == n.Path || strings.HasPrefix(path, n.Path+"/")
}

// Server is the web side of one Atrium App.
type Server struct {
	*Guard
	*Registries
	*Renderer
	app      *fiber.App
	log      *slog.Logger
	assets   *Assets
	ready    func(context.Context) error
	baseHost string // the host of server.base_url
	shutdown time.Duration
	recheck  func(ctx context.Context, userID int64)
	modules  *module.Registry
	audit    *audit.Service
	routes   []RouteInfo
	// protocolPrefixes are the paths of protocol endpoints, exempt from the
	// session and CSRF (they authenticate every request with an app password).
	protocolPrefixes []string
	hub              *realtime.Hub
	tuner            func(ctx context.Context, t realtime.Tune) error
	awayAfter        time.Duration
	box              *secrets.Box
	// stopping is closed when the server shuts down, ending event streams
	// (which would otherwise hold the graceful shutdown to its timeout).
	stopping chan struct{}
	stopOnce sync.Once
	// wellKnown maps discoverable services to their endpoints; a PROPFIND
	// of the root goes to rootDiscovery.
	wellKnown     map[string]string
	rootDiscovery string
	rootRouted    bool
	// uploads are the routes whose multipart forms are read as they arrive
	// (AcceptUploads), split at their slashes.
	uploadsMu sync.RWMutex
	uploads   [][]string
	// reading counts the uploads being read, per person.
	reading map[int64]int
	// protocolWrites bounds what one app password writes at protocol
	// endpoints per minute.
	protocolWrites fiber.Handler
	started        chan struct{}
	startedOnce    sync.Once
}

// New builds the server with the core's middleware and pages.
func New(o Options) (*Server, error) {
	static, err := fs.Sub(o.Theme, "static")
	if err != nil {
		return nil, err
	}
	assets, err := LoadAssets(static)
	if err != nil {
		return nil, fmt.Errorf("theme assets: %w", err)
	}
	views, err := LoadViews(o.Theme, assets)
	if err != nil {
		return nil, err
	}
	cfg := o.Config.Server
	guard := &Guard{ids: o.Identity, orgs: o.Organisations, access: o.Access, steward: o.Steward, secure: strings.HasPrefix(cfg.BaseURL, "https://")}
	registries := &Registries{}
	s := &Server{Guard: guard, Registries: registries, started: make(chan struct{}), stopping: make(chan struct{}), hub: o.Realtime, tuner: o.Tune,
		awayAfter: o.Config.Server.AwayAfter, box: o.Secrets, log: o.Log, assets: assets, ready: o.Ready,
		baseHost: hostOf(cfg.BaseURL), shutdown: cfg.ShutdownTimeout, recheck: o.RecheckStreams, modules: o.Modules, audit: o.Audit,
	}
	s.Renderer = &Renderer{views: views, catalog: o.Catalog, log: o.Log, version: o.Version, defaultLocale: o.Config.I18n.DefaultLocale,
		brands: o.Branding, tree: o.Organisations, visitorOrg: o.VisitorOrganisation, registries: registries}
	if o.Realtime != nil {
		s.Renderer.live = s.live
	}
	fc := fiber.Config{
		AppName:   "Atrium",
		BodyLimit: cfg.BodyLimitMB << 20,
		// Bodies are read as handlers ask for them: an upload streams to
		// the file store, never whole in memory (boundBody keeps every
		// other body within the limit).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReadTimeout:                  cfg.ReadTimeout,
		WriteTimeout:                 cfg.WriteTimeout,
		IdleTimeout:                  cfg.IdleTimeout,
		ErrorHandler:                 s.handleError,
		// WebDAV's methods too, for protocol endpoints such as CalDAV.
		RequestMethods: append(append([]string{}, fiber.DefaultMethods...), "PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR", "COPY", "MOVE", "LOCK", "UNLOCK"),
	}
	if cfg.TrustProxy {
		fc.TrustProxy = true
		fc.ProxyHeader = fiber.HeaderXForwardedFor
		fc.TrustProxyConfig = fiber.TrustProxyConfig{Loopback: true, Private: true, LinkLocal: true}
	}
	s.app = fiber.New(fc)

	s.app.Use(s.boundBody(cfg.BodyLimitMB<<20), requestID, securityHeaders(cfg.HSTS), accessLog(s.log), recoverPanics(s.log))
	s.app.Use(compression(func(c fiber.Ctx) bool {
		// Static files are compressed once at start-up; an event stream
		// must reach the tab as each event is written. A protocol's object
		// keeps the entity tag its endpoint gave (compressing would replace
		// it with one of the compressed bytes, which calendar apps then
		// send back in If-Match and which no longer matches getetag).
		return strings.HasPrefix(c.Path(), "/static/") || c.Path() == "/events" ||
			(c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead) && s.isProtocol(c)
	}))
	s.app.Get("/static/*", assets.Handler)
	s.app.Get("/healthz", healthz)
	s.app.Get("/readyz", s.readyz)
	s.app.Use(s.session, s.language, refuseLarge, csrf(s.secure, s.isProtocol, s.isUpload), s.checkInput, limiter.New(limiter.Config{
		Max:        cfg.RateLimit,
		Expiration: time.Minute,
		// Calendar apps sync in bursts (PROPFIND, REPORT, a PUT per event);
		// their failed sign-ins are throttled per address by identity.
		Next:         func(c fiber.Ctx) bool { return safeMethod(c.Method()) || s.isProtocol(c) },
		KeyGenerator: rateKey,
		LimitReached: func(fiber.Ctx) error { return fiber.ErrTooManyRequests },
	}))
	s.protocolWrites = limiter.New(limiter.Config{
		Max:        cfg.ProtocolWrites,
		Expiration: time.Minute,
		// Reads (PROPFIND, REPORT and the safe methods) are a sync's bulk
		// and cost the apps nothing to repeat; writes change the person's data.
		Next: func(c fiber.Ctx) bool {
			return safeMethod(c.Method()) || c.Method() == "PROPFIND" || c.Method() == "REPORT"
		},
		KeyGenerator: appPasswordKey,
		LimitReached: func(c fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "60")
			return c.SendStatus(fiber.StatusTooManyRequests)
		},
	})
	s.coreRoutes()
	return s, nil
}

// appPasswordKey counts a protocol request against its app password (one
// app gone wild leaves the person's other devices alone): a hash of the
// credentials as read, which passed the check before this runs, so that
// spelling the same ones otherwise (spaces, the address's case) counts
// against the same limit.
func appPasswordKey(c fiber.Ctx) string {
	email, password, _ := basicCredentials(c.Get(fiber.HeaderAuthorization))
	sum := sha256.Sum256([]byte(identity.NormalizeEmail(email) + "\x00" + identity.AppPasswordID(password)))
	return "app:" + hex.EncodeToString(sum[:12])
}

// rateKey counts unsafe requests per signed-in person, so that colleagues
// behind one office address do not share a limit, and per address for
// everyone else (sign-in attempts among them).
func rateKey(c fiber.Ctx) string {
	if v := CurrentViewer(c); v != nil {
		return "person:" + strconv.FormatInt(v.User.ID, 10)
	}
	return "address:" + c.IP()
}

// Router is where a host program adds its own routes; they run behind the same
// middleware as the core's and may use Render.
func (s *Server) Router() fiber.Router { return s.app }

// Started is closed once the server has finished its start-up (Fiber
// completes its route tables then) and is about to answer requests.
func (s *Server) Started() <-chan struct{} { return s.started }

// App gives the Fiber application. A request that no route takes ends in
// Fiber's not-found error, which handleError renders as the 404 page.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until ctx ends, then shuts down gracefully:
// no new connections, requests in flight finish within the shutdown timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	app := s.App()
	quiet := newQuietListener(ln)
	ln = quiet
	errc := make(chan error, 1)
	go func() {
		errc <- app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true, BeforeServeFunc: func(*fiber.App) error {
			s.startedOnce.Do(func() { close(s.started) })
			return nil
		}})
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.stopOnce.Do(func() { close(s.stopping) }) // event streams end
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- app.ShutdownWithContext(sctx) }()
	// Connections that never sent a request would hold the shutdown to its
	// timeout: close them now and while the rest finish.
	var err error
	for tick := time.NewTicker(50 * time.Millisecond); ; {
		quiet.closeQuiet()
		select {
		case err = <-shut:
			tick.Stop()
		case <-tick.C:
			continue
		}
		break
	}
	// If ctx ended before the server had started, Shutdown found nothing to
	// stop; closing the listener ends a Serve that starts late.
	_ = ln.Close()
	if lerr := <-errc; err == nil && lerr != nil && !errors.Is(lerr, net.ErrClosed) {
		err = lerr
	}
	return err
}

// Listen opens the listening socket, explaining the usual failures in one line.
func Listen(address string) (net.Listener, error) {
	return listen(address, "server.address (ATRIUM_SERVER_ADDRESS)")
}

// listen opens address for the configuration key named by key, which each
// failure names so that the line says what to change.
func listen(address, key string) (net.Listener, error) {
	ln, err := net.Listen("tcp", address)
	switch {
	case err == nil:
		return ln, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("server: %s is already in use by another program; stop it or choose another port with %s", address, key)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("server: no permission to listen on %s; use a port above 1023 in %s", address, key)
	default:
		return nil, fmt.Errorf("server: cannot listen on %s (%v); check %s", address, err, key)
	}
}

const localShell = "atrium.shell"

// BaseHost is the host name of server.base_url: the installation's own
// address, which no organisation may have as its portal address.
func (s *Server) BaseHost() string { return s.baseHost }

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Initials makes the logo placeholder from a name: "Harbour Coaching" → "HC".
func Initials(name string) string {
	var b strings.Builder
	for _, word := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(word)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
		if b.Len() >= 2 {
			break
		}
	}
	return b.String()
}
