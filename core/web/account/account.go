// Package account holds the pages of signing in and of one's own account:
// sign-in and the second step, invitations, setting up the authenticator,
// backup codes, forgotten passwords, and the settings pages.
package account

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

// Handlers are the account pages.
type Handlers struct {
	web  *web.Server
	ids  *identity.Service
	orgs *tenancy.Service
	cat  *i18n.Catalog
	// termsURL is where the terms live; "" is the built-in page.
	termsURL string
}

// Register adds the account pages to the server.
// Deps are what the account pages need.
type Deps struct {
	Identity *identity.Service
	Orgs     *tenancy.Service
	Catalog  *i18n.Catalog
}

func Register(s *web.Server, d Deps) {
	h := &Handlers{web: s, ids: d.Identity, orgs: d.Orgs, cat: d.Catalog, termsURL: d.Identity.Config().TermsURL}
	if h.termsURL == "" {
		h.termsURL = "/terms"
	}
	get, post := fiber.MethodGet, fiber.MethodPost
	s.Handle(get, "/signin", web.Public, h.SignIn)
	s.Handle(post, "/signin", web.Public, h.SignInPost)
	s.Handle(get, "/signin/code", web.Pending, h.Code)
	s.Handle(post, "/signin/code", web.Pending, h.CodePost)
	s.Handle(post, "/signout", web.Pending, h.SignOutPost)
	s.Handle(get, "/setup/factor", web.Enrol, h.Factor)
	s.Handle(post, "/setup/factor", web.Enrol, h.FactorPost)
	s.Handle(get, "/invitation/:token", web.Public, h.Invitation)
	s.Handle(post, "/invitation/:token", web.Public, h.InvitationPost)
	s.Handle(get, "/forgot", web.Public, h.Forgot)
	s.Handle(post, "/forgot", web.Public, h.ForgotPost)
	s.Handle(get, "/address/:token", web.Public, h.Address)
	s.Handle(post, "/address/:token", web.Public, h.AddressPost)
	s.Handle(get, "/reset/:token", web.Public, h.Reset)
	s.Handle(post, "/reset/:token", web.Public, h.ResetPost)
	s.Handle(post, "/password/check", web.Public, h.PasswordCheckPost)
	s.Handle(get, "/terms", web.Public, h.Terms)

	s.Handle(get, "/settings", web.Member, h.Profile)
	s.Handle(post, "/settings", web.Member, h.ProfilePost)
	s.Handle(post, "/settings/photo", web.Member, h.PhotoPost)
	s.Handle(post, "/settings/photo/remove", web.Member, h.PhotoRemovePost)
	s.Handle(get, "/settings/password", web.Member, h.Password)
	s.Handle(post, "/settings/password", web.Member, h.PasswordPost)
	s.Handle(get, "/settings/security", web.Member, h.Security)
	s.Handle(post, "/settings/security/backup-codes", web.Member, h.BackupCodesPost)
	s.Handle(post, "/settings/security/replace/start", web.Member, h.ReplaceFactorPost)
	s.Handle(get, "/settings/security/replace", web.Member, h.ReplaceFactor)
	s.Handle(post, "/settings/security/replace", web.Member, h.ReplaceFactorConfirmPost)
	s.Handle(get, "/settings/app-passwords", web.Member, h.AppPasswords)
	s.Handle(post, "/settings/app-passwords", web.Member, h.AppPasswordsPost)
	s.Handle(post, "/settings/app-passwords/:id/revoke", web.Member, h.AppPasswordRevokePost)
	s.Handle(get, "/settings/notifications", web.Member, h.Notifications)
	s.Handle(post, "/settings/notifications", web.Member, h.NotificationsPost)
	s.Handle(get, "/settings/sessions", web.Member, h.Sessions)
	s.Handle(post, "/settings/sessions/end-others", web.Member, h.SessionsEndOthersPost)
	s.Handle(post, "/settings/sessions/:id/end", web.Member, h.SessionEndPost)
	s.Handle(get, "/people/:id/photo", web.Member, h.PhotoOf)

	s.Handle(get, "/invitations", web.Member, h.Invitations)
	s.Handle(post, "/invitations/:org/accept", web.Member, h.InvitationAcceptPost)
	s.Handle(post, "/invitations/:org/decline", web.Member, h.InvitationDeclinePost)

	s.AddNav(web.NavItem{Label: "nav.invitations", Icon: "mail", Path: "/invitations", Rule: web.Member, Group: web.NavStart, OnlyCounted: true, CountLabel: "account.invitations.waiting",
		Badge: func(c fiber.Ctx) (int, error) {
			return d.Orgs.PendingInvitations(c.Context(), web.CurrentViewer(c).User.ID)
		}})
	s.AddNav(web.NavItem{Label: "nav.settings", Icon: "settings", Path: "/settings", Rule: web.Member, Group: web.NavAccount})
}

// next keeps a return address on this site.
func next(c fiber.Ctx) string { return web.LocalPath(c.Query("next", c.FormValue("next"))) }
