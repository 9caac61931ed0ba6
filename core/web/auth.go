package web

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"strconv"
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

// session finds the request's session and person; a stale cookie is cleared.
func (s *Server) session(c fiber.Ctx) error {
	if s.ids == nil {
		return c.Next()
	}
	token := c.Cookies(sessionCookie)
	if token == "" {
		return c.Next()
	}
	sess, u, err := s.ids.Session(c.Context(), token)
	if errors.Is(err, identity.ErrNoSession) {
		clearCookie(c, sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	v, err := s.resolve(c.Context(), u, sess)
	if err != nil {
		return err
	}
	c.Locals(localViewer, v)
	return c.Next()
}

// ViewerOf is a person as they would be signed in to an organisation, for
// work done on their behalf outside a request (a plugin's demo data).
func (s *Server) ViewerOf(ctx context.Context, userID, orgID int64) (*Viewer, error) {
	u, err := s.ids.ByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.resolve(ctx, u, &identity.Session{UserID: u.ID, SecondFactor: true, OrganisationID: orgID})
}

// resolve finds where the person works and what they may do there: the
// session's organisation when they may still work in it, else the first
// organisation they belong to. In a daughter they are not a member of, their
// roles come from the nearest ancestor where they hold daughters.access.
func (s *Server) resolve(ctx context.Context, u *identity.User, sess *identity.Session) (*Viewer, error) {
	v := &Viewer{User: u, Session: sess, Can: access.Set{}}
	if u.Operator {
		v.Can.Add(access.PlatformOperate)
	}
	if s.orgs == nil {
		return v, nil
	}
	ms, err := s.orgs.Memberships(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	candidates := []int64{}
	if sess.OrganisationID != 0 {
		candidates = append(candidates, sess.OrganisationID)
	}
	for _, m := range ms {
		candidates = append(candidates, m.OrganisationID)
	}
	for _, orgID := range candidates {
		lineage, err := s.orgs.Lineage(ctx, orgID)
		if err != nil {
			return nil, err
		}
		roles, inherited, ok, err := s.rolesIn(ctx, lineage, ms)
		if err != nil {
			return nil, err
		}
		if !ok || !allActive(lineage) {
			continue
		}
		v.Org, v.Lineage, v.Roles, v.Inherited = &lineage[0], lineage, roles, inherited
		if v.Can, err = s.access.PermissionsOf(ctx, roles, ids(lineage)); err != nil {
			return nil, err
		}
		if u.Operator {
			v.Can.Add(access.PlatformOperate)
		}
		if v.Modules, err = s.orgs.ModulesIn(ctx, lineage); err != nil {
			return nil, err
		}
		return v, nil
	}
	return v, nil
}

// rolesIn finds the person's roles in lineage[0]: their own membership, or the
// nearest ancestor's when its roles include daughters.access.
func (s *Server) rolesIn(ctx context.Context, lineage []tenancy.Organisation, ms []tenancy.Membership) ([]access.Role, bool, bool, error) {
	for depth, org := range lineage {
		for _, m := range ms {
			if m.OrganisationID != org.ID {
				continue
			}
			if depth == 0 {
				return m.Roles, false, true, nil
			}
			can, err := s.access.PermissionsOf(ctx, m.Roles, ids(lineage[depth:]))
			if err != nil {
				return nil, false, false, err
			}
			if can.Has(access.DaughtersAccess) {
				return m.Roles, true, true, nil
			}
		}
	}
	return nil, false, false, nil
}

func allActive(lineage []tenancy.Organisation) bool {
	for _, o := range lineage {
		if !o.Active() {
			return false
		}
	}
	return true
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

// StartSession signs a person in on this browser after the password step:
// a new session token (never the old one) and a new CSRF token. complete
// tells that no second step follows.
func (s *Server) StartSession(c fiber.Ctx, u *identity.User, complete bool) error {
	token, sess, err := s.ids.StartSession(c.Context(), u, complete, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	s.setSession(c, token)
	if complete {
		s.rememberDevice(c, u)
	}
	v, err := s.resolve(c.Context(), u, sess)
	if err != nil {
		return err
	}
	c.Locals(localViewer, v)
	return nil
}

// CompleteSession records the second step on this browser's session, under
// a new session token and a new CSRF token, as after the first step.
func (s *Server) CompleteSession(c fiber.Ctx) error {
	v := CurrentViewer(c)
	token, err := s.ids.CompleteSession(c.Context(), v.Session)
	if err != nil {
		return err
	}
	s.setSession(c, token)
	s.rememberDevice(c, v.User)
	return nil
}

func (s *Server) setSession(c fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
	rotateCSRF(c, s.secure)
}

// DeviceToken is the browser's device token ("" for none), for throttling
// the sign-ins of a browser the account knows on their own.
func DeviceToken(c fiber.Ctx) string { return c.Cookies(deviceCookie) }

// rememberDevice marks the browser as one the person signed in on
// completely, unless it is marked for them already.
func (s *Server) rememberDevice(c fiber.Ctx, u *identity.User) {
	if s.ids.KnowsDevice(u, c.Cookies(deviceCookie)) {
		return
	}
	c.Cookie(&fiber.Cookie{Name: deviceCookie, Value: s.ids.DeviceToken(u), Path: "/signin", MaxAge: deviceMaxAge,
		HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

// EndSession signs the browser out.
func (s *Server) EndSession(c fiber.Ctx) error {
	if v := CurrentViewer(c); v != nil {
		if err := s.ids.EndSession(c.Context(), v.User.ID, v.Session.ID); err != nil && !errors.Is(err, identity.ErrNoSession) {
			return err
		}
	}
	clearCookie(c, sessionCookie)
	rotateCSRF(c, s.secure)
	c.Locals(localViewer, nil)
	return nil
}

// guard enforces a rule: visitors go to the sign-in page (and come back
// after), half-signed-in people to the step they still owe, and people without
// the permission get the 403 page.
func (s *Server) guard(rule Rule) fiber.Handler {
	return func(c fiber.Ctx) error {
		if rule.Level == Anyone {
			return c.Next()
		}
		v := CurrentViewer(c)
		if v == nil {
			return s.Redirect(c, "/signin?next="+url.QueryEscape(c.OriginalURL()))
		}
		if rule.Level == SignedIn && !v.Complete() {
			return s.Redirect(c, s.NextStep(v))
		}
		if rule.Level == Enrolling && v.User.TOTPEnabled {
			if v.Complete() {
				return s.Redirect(c, "/settings/security")
			}
			return s.Redirect(c, s.NextStep(v))
		}
		if rule.Module != "" && !v.HasModule(rule.Module) {
			return fiber.ErrNotFound // as if the module did not exist
		}
		if !v.Can.Has(rule.Need) {
			return fiber.ErrForbidden
		}
		if rule.Account {
			if err := s.mayActOnAccount(c, v); err != nil {
				return err
			}
		}
		return c.Next()
	}
}

// mayActOnAccount refuses a route marked Account to anyone but the
// operator and the account's steward; someone outside the organisation is
// a 404, as on its other person routes.
func (s *Server) mayActOnAccount(c fiber.Ctx, v *Viewer) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || v.Org == nil {
		return fiber.ErrNotFound
	}
	if member, err := s.orgs.IsMember(c.Context(), v.Org.ID, id); err != nil {
		return err
	} else if !member {
		return fiber.ErrNotFound
	}
	if v.User.Operator {
		return nil
	}
	ok, err := s.steward(c.Context(), v.Org.ID, id)
	if err != nil {
		return err
	}
	if !ok {
		return errNotSteward
	}
	return s.holdsAllRightsOf(c.Context(), v, id)
}

// holdsAllRightsOf refuses an account-wide action on someone who holds a
// right the viewer lacks, in any organisation of theirs. Whoever changes
// an account's address and second step can sign in as it, so acting on an
// administrator's account takes what giving their roles takes: every right
// they hold.
func (s *Server) holdsAllRightsOf(ctx context.Context, v *Viewer, userID int64) error {
	ms, err := s.orgs.Memberships(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		lineage, err := s.orgs.LineageIDs(ctx, m.OrganisationID)
		if err != nil {
			return err
		}
		theirs, err := s.access.PermissionsOf(ctx, m.Roles, lineage)
		if err != nil {
			return err
		}
		for p := range theirs {
			if !v.Can[p] {
				return errOutranked
			}
		}
	}
	return nil
}

// errNotSteward is an account-wide action refused to an administrator who
// does not look after the account alone; its page says why.
var errNotSteward = fiber.NewError(fiber.StatusForbidden, "not steward")

// errOutranked is an account-wide action refused on someone who holds
// rights the viewer does not.
var errOutranked = fiber.NewError(fiber.StatusForbidden, "outranked")

// NextStep is where a half-signed-in person continues: the code, or setting
// up the authenticator when they have none yet.
func (s *Server) NextStep(v *Viewer) string {
	if v.User.TOTPEnabled {
		return "/signin/code"
	}
	return "/setup/factor"
}

// Redirect sends the browser to path: a 303 for ordinary requests, and
// HX-Redirect for htmx, which would otherwise swap the target page in place.
func (s *Server) Redirect(c fiber.Ctx, path string) error {
	if ReadHTMX(c).Request {
		c.Set(HeaderRedirect, path)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect().Status(fiber.StatusSeeOther).To(path)
}
