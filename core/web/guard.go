package web

import (
	"context"
	"errors"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Guard is the web layer's authorization: it finds each request's session
// and person, what they may do in their organisation (the Viewer), and
// enforces each route's Rule. Handlers never check permissions their own
// way; the domains check what the actor may do with the data.
type Guard struct {
	ids    *identity.Service
	orgs   *tenancy.Service
	access *access.Service
	// steward tells whether an administrator looks after an account alone.
	steward func(ctx context.Context, orgID, userID int64) (bool, error)
	// secure marks cookies Secure (the server is reached over https).
	secure bool
}

// session finds the request's session and person; a stale cookie is cleared.
func (g *Guard) session(c fiber.Ctx) error {
	if g.ids == nil {
		return c.Next()
	}
	token := c.Cookies(sessionCookie)
	if token == "" {
		return c.Next()
	}
	sess, u, err := g.ids.Session(c.Context(), token)
	if errors.Is(err, identity.ErrNoSession) {
		clearCookie(c, sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	v, err := g.resolve(c.Context(), u, sess)
	if err != nil {
		return err
	}
	g.actAs(c, v)
	return c.Next()
}

// ViewerOf is a person as they would be signed in to an organisation, for
// work done on their behalf outside a request (a plugin's demo data).
func (g *Guard) ViewerOf(ctx context.Context, userID, orgID int64) (*Viewer, error) {
	u, err := g.ids.ByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	return g.resolve(ctx, u, &identity.Session{UserID: u.ID, SecondFactor: true, OrganisationID: orgID})
}

// resolve finds where the person works and what they may do there: the
// session's organisation when they may still work in it, else the first
// organisation they belong to. In a daughter they are not a member of, their
// roles come from the nearest ancestor where they hold daughters.access.
func (g *Guard) resolve(ctx context.Context, u *identity.User, sess *identity.Session) (*Viewer, error) {
	v := &Viewer{User: u, Session: sess, Can: access.Set{}}
	if u.Operator {
		v.Can.Add(access.PlatformOperate)
	}
	if g.orgs == nil {
		return v, nil
	}
	ms, err := g.orgs.Memberships(ctx, u.ID)
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
		lineage, err := g.orgs.Lineage(ctx, orgID)
		if err != nil {
			return nil, err
		}
		roles, inherited, ok, err := g.rolesIn(ctx, lineage, ms)
		if err != nil {
			return nil, err
		}
		if !ok || !allActive(lineage) {
			continue
		}
		v.Org, v.Lineage, v.Roles, v.Inherited = &lineage[0], lineage, roles, inherited
		if v.Can, err = g.access.PermissionsOf(ctx, roles, ids(lineage)); err != nil {
			return nil, err
		}
		if u.Operator {
			v.Can.Add(access.PlatformOperate)
		}
		if v.Modules, err = g.orgs.ModulesIn(ctx, lineage); err != nil {
			return nil, err
		}
		v.Elsewhere = len(ms) > 1 || v.Inherited
		if !v.Elsewhere && v.Can.Has(access.DaughtersAccess) {
			if v.Elsewhere, err = g.orgs.HasDaughters(ctx, v.Org.ID); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
	return v, nil
}

// rolesIn finds the person's roles in lineage[0]: their own membership, or the
// nearest ancestor's when its roles include daughters.access.
func (g *Guard) rolesIn(ctx context.Context, lineage []tenancy.Organisation, ms []tenancy.Membership) ([]access.Role, bool, bool, error) {
	for depth, org := range lineage {
		for _, m := range ms {
			if m.OrganisationID != org.ID {
				continue
			}
			if depth == 0 {
				return m.Roles, false, true, nil
			}
			can, err := g.access.PermissionsOf(ctx, m.Roles, ids(lineage[depth:]))
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

// StartSession signs a person in on this browser after the password step:
// a new session token (never the old one) and a new CSRF token. complete
// tells that no second step follows.
func (g *Guard) StartSession(c fiber.Ctx, u *identity.User, complete bool) error {
	token, sess, err := g.ids.StartSession(c.Context(), u, complete, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	g.setSession(c, token)
	if complete {
		g.rememberDevice(c, u)
	}
	v, err := g.resolve(c.Context(), u, sess)
	if err != nil {
		return err
	}
	g.actAs(c, v)
	return nil
}

// CompleteSession records the second step on this browser's session, under
// a new session token and a new CSRF token, as after the first step.
func (g *Guard) CompleteSession(c fiber.Ctx) error {
	v := CurrentViewer(c)
	token, err := g.ids.CompleteSession(c.Context(), v.Session)
	if err != nil {
		return err
	}
	g.setSession(c, token)
	g.rememberDevice(c, v.User)
	return nil
}

func (g *Guard) setSession(c fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, Secure: g.secure, SameSite: fiber.CookieSameSiteLaxMode})
	rotateCSRF(c, g.secure)
}

// DeviceToken is the browser's device token ("" for none), for throttling
// the sign-ins of a browser the account knows on their own.
func DeviceToken(c fiber.Ctx) string { return c.Cookies(deviceCookie) }

// rememberDevice marks the browser as one the person signed in on
// completely, unless it is marked for them already.
func (g *Guard) rememberDevice(c fiber.Ctx, u *identity.User) {
	if g.ids.KnowsDevice(u, c.Cookies(deviceCookie)) {
		return
	}
	c.Cookie(&fiber.Cookie{Name: deviceCookie, Value: g.ids.DeviceToken(u), Path: "/signin", MaxAge: deviceMaxAge,
		HTTPOnly: true, Secure: g.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

// EndSession signs the browser out.
func (g *Guard) EndSession(c fiber.Ctx) error {
	if v := CurrentViewer(c); v != nil {
		if err := g.ids.EndSession(c.Context(), v.User.ID, v.Session.ID); err != nil && !errors.Is(err, identity.ErrNoSession) {
			return err
		}
	}
	clearCookie(c, sessionCookie)
	rotateCSRF(c, g.secure)
	c.Locals(localViewer, nil)
	return nil
}

// guard enforces a rule: visitors go to the sign-in page (and come back
// after), half-signed-in people to the step they still owe, and people without
// the permission get the 403 page.
func (g *Guard) guard(rule Rule) fiber.Handler {
	return func(c fiber.Ctx) error {
		if rule.Level == Anyone {
			return c.Next()
		}
		v := CurrentViewer(c)
		if v == nil {
			return redirect(c, "/signin?next="+url.QueryEscape(c.OriginalURL()))
		}
		if rule.Level == SignedIn && !v.Complete() {
			return redirect(c, g.NextStep(v))
		}
		if rule.Level == Enrolling && v.User.TOTPEnabled {
			if v.Complete() {
				return redirect(c, "/settings/security")
			}
			return redirect(c, g.NextStep(v))
		}
		if rule.Module != "" && !v.HasModule(rule.Module) {
			return fiber.ErrNotFound // as if the module did not exist
		}
		if !v.Can.Has(rule.Need) {
			return fiber.ErrForbidden
		}
		if rule.Account {
			if err := g.mayActOnAccount(c, v); err != nil {
				return err
			}
		}
		return c.Next()
	}
}

// mayActOnAccount refuses a route marked Account to anyone but the
// operator and the account's steward; someone outside the organisation is
// a 404, as on its other person routes.
func (g *Guard) mayActOnAccount(c fiber.Ctx, v *Viewer) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || v.Org == nil {
		return fiber.ErrNotFound
	}
	if member, err := g.orgs.IsMember(c.Context(), v.Org.ID, id); err != nil {
		return err
	} else if !member {
		return fiber.ErrNotFound
	}
	if v.User.Operator {
		return nil
	}
	ok, err := g.steward(c.Context(), v.Org.ID, id)
	if err != nil {
		return err
	}
	if !ok {
		return errNotSteward
	}
	return g.holdsAllRightsOf(c.Context(), v, id)
}

// holdsAllRightsOf refuses an account-wide action on someone who holds a
// right the viewer lacks, in any organisation of theirs. Whoever changes
// an account's address and second step can sign in as it, so acting on an
// administrator's account takes what giving their roles takes: every right
// they hold.
func (g *Guard) holdsAllRightsOf(ctx context.Context, v *Viewer, userID int64) error {
	ms, err := g.orgs.Memberships(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		lineage, err := g.orgs.LineageIDs(ctx, m.OrganisationID)
		if err != nil {
			return err
		}
		theirs, err := g.access.PermissionsOf(ctx, m.Roles, lineage)
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

// NextStep is where a half-signed-in person continues: the code, or setting
// up the authenticator when they have none yet.
func (g *Guard) NextStep(v *Viewer) string { return nextStep(v) }

func nextStep(v *Viewer) string {
	if v.User.TOTPEnabled {
		return "/signin/code"
	}
	return "/setup/factor"
}

// actAs makes v the request's viewer, and the actor of the work it does:
// the services record in their own transactions what v changed.
func (g *Guard) actAs(c fiber.Ctx, v *Viewer) {
	c.Locals(localViewer, v)
	c.SetContext(audit.WithActor(c.Context(), audit.Actor{UserID: v.User.ID, IP: c.IP()}))
}
