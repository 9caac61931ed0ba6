package web

import (
	"errors"
	"net/url"
	"sort"

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
	// HalfSignedIn routes need the password step done (entering the code,
	// setting up the authenticator).
	HalfSignedIn
	// SignedIn routes need both steps done.
	SignedIn
)

// Rule is a route's requirement, checked by the one guard every route goes
// through: no handler checks permissions its own way.
type Rule struct {
	Level Level
	Need  access.Permission // "" for none beyond the level
}

// Common rules.
var (
	Public   = Rule{Level: Anyone}
	Member   = Rule{Level: SignedIn}
	Pending  = Rule{Level: HalfSignedIn}
	Operator = Rule{Level: SignedIn, Need: access.PlatformOperate}
)

// Need is a rule for signed-in people holding p.
func Need(p access.Permission) Rule { return Rule{Level: SignedIn, Need: p} }

// RouteInfo is one registered route and its rule, for the authorization test.
type RouteInfo struct {
	Method, Path string
	Rule         Rule
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

// Viewer is the signed-in person of a request and what they may do.
type Viewer struct {
	User    *identity.User
	Session *identity.Session
	Org     *tenancy.Organisation
	Roles   []access.Role
	Can     access.Set
}

// Complete tells whether both sign-in steps are done.
func (v *Viewer) Complete() bool { return v != nil && v.Session.SecondFactor }

const (
	localViewer   = "atrium.viewer"
	sessionCookie = "atrium_session"
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
		c.ClearCookie(sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	v := &Viewer{User: u, Session: sess, Can: access.Set{}}
	if s.orgs != nil {
		org, roles, err := s.orgs.Home(c.Context(), u.ID)
		if err != nil && !errors.Is(err, tenancy.ErrNotFound) {
			return err
		}
		v.Org, v.Roles = org, roles
		v.Can.Grant(roles...)
	}
	if u.Operator {
		v.Can[access.PlatformOperate] = true
	}
	c.Locals(localViewer, v)
	return c.Next()
}

// StartSession signs a person in on this browser after the password step:
// a new session token (never the old one) and a new CSRF token.
func (s *Server) StartSession(c fiber.Ctx, u *identity.User, complete bool) error {
	token, sess, err := s.ids.StartSession(c.Context(), u, complete, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
	rotateCSRF(c, s.secure)
	v := &Viewer{User: u, Session: sess, Can: access.Set{}}
	c.Locals(localViewer, v)
	return nil
}

// EndSession signs the browser out.
func (s *Server) EndSession(c fiber.Ctx) error {
	if v := CurrentViewer(c); v != nil {
		if err := s.ids.EndSession(c.Context(), v.User.ID, v.Session.ID); err != nil && !errors.Is(err, identity.ErrNoSession) {
			return err
		}
	}
	c.ClearCookie(sessionCookie)
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
		if !v.Can.Has(rule.Need) {
			return fiber.ErrForbidden
		}
		return c.Next()
	}
}

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
