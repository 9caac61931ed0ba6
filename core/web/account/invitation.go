package account

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplInvitation    = "account/invitation"
	tmplLinkProblem   = "account/link_problem"
	tmplPasswordCheck = "account/password_check"
	tmplTerms         = "account/terms"
)

type invitationData struct {
	Form     web.Form
	User     *identity.User
	Token    string
	TermsURL string
	// Joining names the organisations the account joins by accepting: more
	// than one when several invited the address before it was set up.
	Joining []string
}

// linkProblem explains a link that does not work and what to do instead.
func (h *Handlers) linkProblem(c fiber.Ctx, kind string, err error) error {
	reason := "invalid"
	var taken *identity.Invalid // a new address another account took meanwhile
	switch {
	case errors.Is(err, identity.ErrLinkExpired):
		reason = "expired"
	case errors.Is(err, identity.ErrLinkUsed):
		reason = "used"
	case errors.As(err, &taken):
		reason = "taken"
	case !errors.Is(err, identity.ErrLinkInvalid):
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplLinkProblem, Title: "account.link." + kind + "." + reason + ".title",
		Layout: web.AuthLayout, Status: fiber.StatusGone, Data: map[string]string{"Kind": kind, "Reason": reason}})
}

// Invitation shows the first-time form: choose a password, accept the terms.
func (h *Handlers) Invitation(c fiber.Ctx) error {
	u, orgID, err := h.ids.Invitation(c.Context(), c.Params("token"))
	if err != nil {
		return h.linkProblem(c, "invitation", err)
	}
	f := web.ReadForm(c)
	f.Rules = h.ids.Policy().Check("", u.Email)
	return h.renderInvitation(c, u, orgID, f, fiber.StatusOK)
}

// renderInvitation shows the first-time form of an invitation link that
// orgID sent, naming every organisation the account joins by using it: its
// memberships, and the one that sent the link when it asked to join.
func (h *Handlers) renderInvitation(c fiber.Ctx, u *identity.User, orgID int64, f web.Form, status int) error {
	c.Set(fiber.HeaderReferrerPolicy, "same-origin") // the token is in the address: never send it to another site
	ms, err := h.orgs.Memberships(c.Context(), u.ID)
	if err != nil {
		return err
	}
	var joining []string
	for _, m := range ms {
		org, err := h.orgs.ByID(c.Context(), m.OrganisationID)
		if err != nil {
			return err
		}
		joining = append(joining, org.Name)
	}
	asked, err := h.orgs.InvitationsOf(c.Context(), u.ID)
	if err != nil {
		return err
	}
	for _, inv := range asked {
		if inv.OrganisationID == orgID {
			joining = append(joining, inv.Organisation)
		}
	}
	return h.web.Render(c, web.Page{Template: tmplInvitation, Title: "account.invitation.title", Layout: web.AuthLayout,
		Status: status, Data: invitationData{Form: f, User: u, Token: c.Params("token"), TermsURL: h.termsURL, Joining: joining}})
}

// InvitationPost sets the password, records the terms, signs the person in and
// sends them on to set up their authenticator.
func (h *Handlers) InvitationPost(c fiber.Ctx) error {
	token := c.Params("token")
	u, err := h.ids.AcceptInvitation(c.Context(), token, c.FormValue("password"), c.FormValue("confirm"), c.FormValue("terms") == "yes", c.IP())
	if err != nil {
		f := web.ReadForm(c, "terms")
		if !f.Refuse(err) {
			return h.linkProblem(c, "invitation", err)
		}
		invited, orgID, lerr := h.ids.Invitation(c.Context(), token)
		if lerr != nil {
			return h.linkProblem(c, "invitation", lerr)
		}
		f.Rules = h.checklist(c.FormValue("password"), invited.Email, f.Rules)
		return h.renderInvitation(c, invited, orgID, f, web.Unprocessable)
	}
	complete := !h.ids.Config().RequireSecondFactor
	if err := h.web.StartSession(c, u, complete); err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.invitation.welcome")
	if complete {
		return h.web.Redirect(c, "/")
	}
	return h.web.Redirect(c, "/setup/factor")
}

// PasswordCheckPost answers the live checklist while someone types a new
// password (htmx): each rule, met or not. The history rule needs the account
// and is checked when the form is sent.
func (h *Handlers) PasswordCheckPost(c fiber.Ctx) error {
	email := c.FormValue("email")
	if v := web.CurrentViewer(c); v != nil {
		email = v.User.Email
	}
	rules := h.ids.Policy().Check(c.FormValue("password"), email)
	return h.web.Render(c, web.Page{Template: tmplPasswordCheck, Data: web.Form{Rules: rules}})
}

// Terms shows the built-in terms of use.
func (h *Handlers) Terms(c fiber.Ctx) error {
	layout := web.AuthLayout
	if web.CurrentViewer(c).Complete() {
		layout = ""
	}
	return h.web.Render(c, web.Page{Template: tmplTerms, Title: "account.terms.title", Layout: layout})
}
