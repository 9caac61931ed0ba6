package web

import (
	"sort"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Level is how far someone must have signed in to open a route.
type Level int

const (
	// Anyone may open the route, signed in or not.
	Anyone Level = iota
	// HalfSignedIn routes need the password step done: entering the code,
	// signing out. They are all a half-done sign-in of an account with an
	// authenticator reaches.
	HalfSignedIn
	// Enrolling routes set up a first authenticator: open to someone past
	// the password step whose account has none confirmed, and never to an
	// account that has one (the password alone must not replace it).
	Enrolling
	// SignedIn routes need both steps done.
	SignedIn
	// AppPassword routes are protocol endpoints (CalDAV and the like) that
	// apps reach with Basic authentication and an app password; no session,
	// no cookies, no CSRF token.
	AppPassword
)

// ProtocolMethods are the methods protocol routes answer (WebDAV's included).
var ProtocolMethods = []string{"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR", "COPY", "MOVE", "LOCK", "UNLOCK"}

// HandleProtocol registers a protocol endpoint for every path below prefix,
// behind app-password authentication; the module must be on for the
// person's organisation.
func (s *Server) HandleProtocol(prefix, module string, h fiber.Handler) {
	rule := Rule{Level: AppPassword, Module: module}
	s.protocolPrefixes = append(s.protocolPrefixes, prefix)
	for _, m := range ProtocolMethods {
		s.routes = append(s.routes, RouteInfo{Method: m, Path: prefix + "*", Rule: rule})
	}
	s.app.Add(ProtocolMethods, prefix+"*", s.AppPasswordAuth(), s.protocolWrites, s.protocolViewer(module), h)
}

// protocolViewer resolves the app's person like a signed-in one, in their
// first organisation, and refuses a module that organisation has off.
func (s *Server) protocolViewer(module string) fiber.Handler {
	return func(c fiber.Ctx) error {
		u := ProtocolUser(c)
		v, err := s.resolve(c.Context(), u, &identity.Session{UserID: u.ID, SecondFactor: true})
		if err != nil {
			return err
		}
		if v.Org == nil || (module != "" && !v.HasModule(module)) {
			return c.SendStatus(fiber.StatusNotFound)
		}
		c.Locals(localViewer, v)
		return c.Next()
	}
}

// isProtocol tells whether a request is for a protocol endpoint, or for
// discovering one: apps sign in with Basic authentication on every request,
// with no cookies, so no form token applies.
func (s *Server) isProtocol(c fiber.Ctx) bool {
	path := c.Path()
	if strings.HasPrefix(path, "/.well-known/") || (path == "/" && c.Method() == "PROPFIND") {
		return true
	}
	for _, p := range s.protocolPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// WellKnown sends apps looking for a service ("caldav", "carddav") to the
// protocol endpoint at prefix: /.well-known/<service> redirects there
// (RFC 6764), and so does a PROPFIND of the server's root, where apps given
// only the server's address start. The first module to offer a service
// keeps it.
func (s *Server) WellKnown(service, prefix string) bool {
	if s.wellKnown == nil {
		s.wellKnown = map[string]string{}
	}
	if _, taken := s.wellKnown[service]; taken {
		return false
	}
	s.wellKnown[service] = prefix
	to := func(c fiber.Ctx) error { return c.Redirect().Status(fiber.StatusMovedPermanently).To(prefix) }
	s.app.Add(ProtocolMethods, "/.well-known/"+service, to)
	if service == "caldav" || len(s.wellKnown) == 1 {
		s.rootDiscovery = prefix
	}
	if !s.rootRouted {
		s.rootRouted = true
		s.app.Add([]string{"PROPFIND"}, "/", func(c fiber.Ctx) error {
			return c.Redirect().Status(fiber.StatusMovedPermanently).To(s.rootDiscovery)
		})
		// Apps given the server's address ask it what it speaks first.
		s.app.Options("/", func(c fiber.Ctx) error {
			c.Set("DAV", s.davClasses())
			c.Set(fiber.HeaderAllow, "OPTIONS, GET, HEAD, POST, PROPFIND")
			return c.SendStatus(fiber.StatusOK)
		})
	}
	return true
}

// davClasses is the DAV header of the server's root: WebDAV's classes and
// those of the services offered (RFC 4791 §5.1, RFC 6352 §6.1).
func (s *Server) davClasses() string {
	classes := "1, 3"
	if _, ok := s.wellKnown["caldav"]; ok {
		classes += ", calendar-access"
	}
	if _, ok := s.wellKnown["carddav"]; ok {
		classes += ", addressbook"
	}
	return classes
}

// Rule is a route's requirement, checked by the one guard every route goes
// through: no handler checks permissions its own way.
type Rule struct {
	Level Level
	Need  access.Permission // "" for none beyond the level
	// Module, when set, makes the route exist only for organisations that
	// have the module on: for others it answers 404.
	Module string
	// Account marks a route that acts on the whole account of the person
	// :id (its sign-in address, name, second step, lockout, erasure), in
	// every organisation it belongs to: only the platform operator, or
	// administrators of an organisation that looks after the account
	// alone, pass (people.Steward). Everything else acts on a membership.
	Account bool
}

// Common rules.
var (
	Public   = Rule{Level: Anyone}
	Member   = Rule{Level: SignedIn}
	Pending  = Rule{Level: HalfSignedIn}
	Enrol    = Rule{Level: Enrolling}
	Operator = Rule{Level: SignedIn, Need: access.PlatformOperate}
)

// Need is a rule for signed-in people holding p.
func Need(p access.Permission) Rule { return Rule{Level: SignedIn, Need: p} }

// InModule is the rule r for a route of a module.
func InModule(module string, r Rule) Rule {
	r.Module = module
	if r.Level == Anyone {
		r.Level = SignedIn
	}
	return r
}

// RouteInfo is one registered route and its rule, for the authorization test.
type RouteInfo struct {
	Method, Path string
	Rule         Rule
	// Stream is true for a route that answers with a stream that does not
	// end (the event stream): read its status, not its body.
	Stream bool
}

// Handle registers a route behind the guard.
func (s *Server) Handle(method, path string, rule Rule, h fiber.Handler) {
	s.routes = append(s.routes, RouteInfo{Method: method, Path: path, Rule: rule})
	s.app.Add([]string{method}, path, s.guard(rule), h)
}

// Routes lists every route registered with Handle.
func (s *Server) Routes() []RouteInfo {
	out := append([]RouteInfo(nil), s.routes...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path+out[i].Method < out[j].Path+out[j].Method })
	return out
}

// Viewer is the signed-in person of a request, the organisation they work in
// now and what they may do there.
type Viewer struct {
	User    *identity.User
	Session *identity.Session
	// Org is the active organisation; nil when the person belongs nowhere
	// (only their own account pages are open to them then).
	Org *tenancy.Organisation
	// Lineage is Org and its ancestors, nearest first.
	Lineage []tenancy.Organisation
	Roles   []access.Role
	// Inherited tells that the roles come from an ancestor organisation, through daughters.access.
	Inherited bool
	Can       access.Set
	Modules   []string
	// Elsewhere tells that the person may work in another organisation
	// too (another membership, or daughters they may enter): only then is
	// switching organisation offered.
	Elsewhere bool
}

// Complete tells whether both sign-in steps are done.
func (v *Viewer) Complete() bool { return v != nil && v.Session.SecondFactor }

// HasModule tells whether the active organisation has a module on.
func (v *Viewer) HasModule(id string) bool {
	if v == nil {
		return false
	}
	for _, m := range v.Modules {
		if m == id {
			return true
		}
	}
	return false
}

const (
	localViewer   = "atrium.viewer"
	sessionCookie = "atrium_session"
	// deviceCookie marks a browser in which an account signed in completely
	// (identity.DeviceToken); only the sign-in pages read it.
	deviceCookie = "atrium_device"
	deviceMaxAge = 180 * 24 * 60 * 60
)

// CurrentViewer is the request's signed-in person, nil for visitors.
func CurrentViewer(c fiber.Ctx) *Viewer {
	v, _ := c.Locals(localViewer).(*Viewer)
	return v
}

// LineageIDs are the active organisation and its ancestors, nearest first.
func (v *Viewer) LineageIDs() []int64 { return ids(v.Lineage) }

func ids(orgs []tenancy.Organisation) []int64 {
	out := make([]int64, len(orgs))
	for i, o := range orgs {
		out[i] = o.ID
	}
	return out
}

// errNotSteward is an account-wide action refused to an administrator who
// does not look after the account alone; its page says why.
var errNotSteward = fiber.NewError(fiber.StatusForbidden, "not steward")

// errOutranked is an account-wide action refused on someone who holds
// rights the viewer does not.
var errOutranked = fiber.NewError(fiber.StatusForbidden, "outranked")

func redirect(c fiber.Ctx, path string) error {
	if ReadHTMX(c).Request {
		c.Set(HeaderRedirect, path)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect().Status(fiber.StatusSeeOther).To(path)
}
