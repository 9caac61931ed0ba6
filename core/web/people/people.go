// Package people holds the organisation administrator's pages about the
// people of their organisation: the list with each person's sign-in state,
// inviting, and lifting lockouts, resetting second factors and changing a
// sign-in address.
package people

import (
	"errors"
	"html/template"
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/directory"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplList   = "people/list"
	tmplInvite = "people/invite"
	tmplPerson = "people/person"
)

// Handlers are the people pages.
type Handlers struct {
	web    *web.Server
	ids    *identity.Service
	orgs   *tenancy.Service
	access *access.Service
	dir    *directory.Service
}

// Register adds the people pages to the server.
// Deps are what the people pages need.
type Deps struct {
	Identity  *identity.Service
	Orgs      *tenancy.Service
	Access    *access.Service
	Directory *directory.Service
}

func Register(s *web.Server, d Deps) {
	h := &Handlers{web: s, ids: d.Identity, orgs: d.Orgs, access: d.Access, dir: d.Directory}
	manage, invite, view := web.Need(access.PeopleManage), web.Need(access.PeopleInvite), web.Need(access.PeopleView)
	s.Handle(fiber.MethodGet, "/people", view, h.List)
	s.Handle(fiber.MethodGet, "/people.csv", view, h.CSV)
	s.Handle(fiber.MethodPost, "/people/:id/roles", web.Need(access.RolesAssign), h.RolesPost)
	s.Handle(fiber.MethodPost, "/people/:id/active", manage, h.ActivePost)
	s.Handle(fiber.MethodPost, "/people/:id/web-access", manage, h.WebAccessPost)
	s.Handle(fiber.MethodGet, "/people/invite", invite, h.Invite)
	s.Handle(fiber.MethodPost, "/people/invite", invite, h.InvitePost)
	s.Handle(fiber.MethodGet, "/people/:id", view, h.Person)
	s.Handle(fiber.MethodPost, "/people/invitations/:org/withdraw", invite, h.WithdrawPost)
	s.Handle(fiber.MethodPost, "/people/invitations/:org/resend", invite, h.ResendInvitedPost)
	account := web.Rule{Level: web.SignedIn, Need: access.PeopleManage, Account: true}
	s.Handle(fiber.MethodPost, "/people/:id/unlock", account, h.UnlockPost)
	s.Handle(fiber.MethodPost, "/people/:id/reset-factor", account, h.ResetFactorPost)
	s.Handle(fiber.MethodPost, "/people/:id/email", account, h.EmailPost)
	s.Handle(fiber.MethodPost, "/people/:id/name", account, h.NamePost)
	s.AddNav(web.NavItem{Label: "nav.people", Icon: "users", Path: "/people", Rule: view, Group: web.NavAdministration})
}

type inviteData struct {
	Form  web.Form
	Roles []access.Offer // those the viewer may give
}

// Invite shows the form to create an account.
func (h *Handlers) Invite(c fiber.Ctx) error {
	f := web.ReadForm(c)
	f.Values["role"] = string(access.RoleCoachee)
	return h.renderInvite(c, f, fiber.StatusOK)
}

func (h *Handlers) renderInvite(c fiber.Ctx, f web.Form, status int) error {
	offers, err := h.offers(c)
	if err != nil {
		return err
	}
	var roles []access.Offer
	for _, o := range offers {
		if o.Grantable {
			roles = append(roles, o)
		}
	}
	return h.web.Render(c, web.Page{Template: tmplInvite, Title: "people.invite.title", Status: status, Data: inviteData{Form: f, Roles: roles}})
}

// InvitePost creates the account and sends the invitation. Nobody gives a
// role with a permission they lack, nor one of another organisation's tree.
func (h *Handlers) InvitePost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	f := web.ReadForm(c, "email", "given_name", "name_prefix", "family_name", "role", "locale")
	role := access.Role(f.Values["role"])
	_, err := h.ids.InviteAs(c.Context(), v.Can, v.LineageIDs(), v.User, v.Org, identity.Invitee{Email: f.Values["email"], GivenName: f.Values["given_name"],
		NamePrefix: f.Values["name_prefix"], FamilyName: f.Values["family_name"], Locale: f.Values["locale"], Role: role}, c.IP())
	switch {
	case f.Refuse(err):
		return h.renderInvite(c, f, web.Unprocessable)
	case err != nil:
		return err
	}
	web.SetFlash(c, "success", "people.invite.sent")
	if v.Can.Has(access.PeopleManage) {
		return h.web.Redirect(c, "/people")
	}
	return h.web.Redirect(c, "/people/invite")
}

type personData struct {
	User      *identity.User
	Roles     []access.Role
	Member    *tenancy.Member
	Form      web.Form
	RoleBoxes []roleBox
	Cards     []template.HTML // the modules' cards about this person (web.SlotPersonCard)
	// Steward tells that the viewer's organisation looks after the whole
	// account (directory.Steward): its address, name, second step, lockout.
	Steward bool
}

// member loads a person of the viewer's organisation; anyone else is a 404.
func (h *Handlers) member(c fiber.Ctx) (*identity.User, []access.Role, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, nil, fiber.ErrNotFound
	}
	roles, ok, err := h.memberRoles(c, id)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, fiber.ErrNotFound
	}
	u, err := h.ids.ByID(c.Context(), id)
	return u, roles, err
}

// Person shows one person's sign-in state and the administrator's actions.
func (h *Handlers) Person(c fiber.Ctx) error {
	u, roles, err := h.member(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c)
	f.Values["email"], f.Values["given_name"], f.Values["name_prefix"], f.Values["family_name"] = u.Email, u.GivenName, u.NamePrefix, u.FamilyName
	return h.renderPerson(c, u, roles, f, fiber.StatusOK)
}

// act runs an administrator's action on a member and returns to their page.
func (h *Handlers) act(c fiber.Ctx, flash string, do func(u *identity.User) error) error {
	u, roles, err := h.member(c)
	if err != nil {
		return err
	}
	err = do(u)
	switch {
	case errors.Is(err, directory.ErrNotSteward):
		return h.notSteward(c, u, roles)
	case err != nil:
		return err
	}
	web.SetFlash(c, "success", flash)
	return h.web.Redirect(c, "/people/"+c.Params("id"))
}

// WithdrawPost takes back an invitation the person has not answered, of
// the organisation or (with daughters.access) one of its daughters; the
// link it mailed ends.
func (h *Handlers) WithdrawPost(c fiber.Ctx) error {
	err := h.ids.WithdrawInvitationAs(c.Context(), giver(c), web.OrgParam(c), c.FormValue("email"))
	return h.answered(c, err, "people.invited.withdrawn")
}

// ResendInvitedPost asks again: a fresh link for someone who has not set up
// their account, the mail again for an owner who has not answered.
func (h *Handlers) ResendInvitedPost(c fiber.Ctx) error {
	err := h.ids.ResendInvitationAs(c.Context(), giver(c), web.OrgParam(c), c.FormValue("email"), c.IP())
	return h.answered(c, err, "people.person.resent")
}

// answered returns to the people list after an action on an invitation.
func (h *Handlers) answered(c fiber.Ctx, err error, flash string) error {
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", flash)
	return h.web.Redirect(c, "/people")
}

// giver is the viewer as someone who manages people.
func giver(c fiber.Ctx) identity.Giver {
	v := web.CurrentViewer(c)
	return identity.Giver{User: v.User, Can: v.Can, Lineage: v.LineageIDs()}
}

// UnlockPost lifts a lockout.
func (h *Handlers) UnlockPost(c fiber.Ctx) error {
	return h.act(c, "people.person.unlocked", func(u *identity.User) error {
		v := web.CurrentViewer(c)
		return h.ids.Unlock(c.Context(), v.User, v.Org.ID, u.ID, c.IP())
	})
}

// ResetFactorPost removes a lost authenticator.
func (h *Handlers) ResetFactorPost(c fiber.Ctx) error {
	return h.act(c, "people.person.factor_reset", func(u *identity.User) error {
		v := web.CurrentViewer(c)
		return h.ids.ResetFactor(c.Context(), v.User, v.Org.ID, u.ID, c.IP())
	})
}

// EmailPost asks for a new sign-in address for a person; it takes effect
// when the new mailbox confirms it.
func (h *Handlers) EmailPost(c fiber.Ctx) error {
	u, roles, err := h.member(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "email")
	v := web.CurrentViewer(c)
	err = h.ids.ChangeEmail(c.Context(), v.User, v.Org, u.ID, f.Values["email"], c.IP())
	if errors.Is(err, directory.ErrNotSteward) {
		return h.notSteward(c, u, roles)
	}
	if f.Refuse(err) {
		return h.renderPerson(c, u, roles, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "people.person.email_pending")
	return h.web.Redirect(c, "/people/"+c.Params("id"))
}

// NamePost corrects a person's name.
func (h *Handlers) NamePost(c fiber.Ctx) error {
	u, roles, err := h.member(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "given_name", "name_prefix", "family_name")
	v := web.CurrentViewer(c)
	err = h.ids.SetNames(c.Context(), v.User, v.Org.ID, u.ID, f.Values["given_name"], f.Values["name_prefix"], f.Values["family_name"], c.IP())
	if errors.Is(err, directory.ErrNotSteward) {
		return h.notSteward(c, u, roles)
	}
	if f.Refuse(err) {
		return h.renderPerson(c, u, roles, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "people.person.name_changed")
	return h.web.Redirect(c, "/people/"+c.Params("id"))
}
