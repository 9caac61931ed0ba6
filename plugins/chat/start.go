package main

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// tmplStart asks before a conversation starts.
const tmplStart = "start"

// startView is the button that starts a conversation: the field and value
// that name the other person, and their name.
type startView struct {
	Field, Value, Name string
}

// staffRoles are the roles that chat with colleagues.
var staffRoles = []string{"coach", "employer_contact", "admin", "finance", "support"}

// isStaff tells whether a person holds one of the staff roles.
func isStaff(p sdk.Person) bool {
	for _, role := range p.Roles {
		if slices.Contains(staffRoles, role) {
			return true
		}
	}
	return false
}

// partnerFor decides whom a person may start a conversation with, from
// what the form (or, on the page that asks first, the address) names: a
// dossier they work in (its person), their own coach, or a colleague. 0
// when none of these.
func partnerFor(r *sdk.Request, v url.Values) (int64, error) {
	switch {
	case v.Get("dossier") != "":
		id, _ := strconv.ParseInt(v.Get("dossier"), 10, 64)
		d, err := r.Dossier(id)
		if err != nil || !d.Level.AtLeast("contribute") || d.PersonID == r.UserID() || !r.Can("chat.staff") {
			return 0, err
		}
		return d.PersonID, nil
	case v.Get("coach") != "":
		d, err := r.OwnDossier()
		if err != nil {
			return 0, err
		}
		return d.CoachID, nil
	case v.Get("user") != "" && r.Can("chat.staff"):
		id, _ := strconv.ParseInt(v.Get("user"), 10, 64)
		people, err := r.People(id)
		if err != nil || len(people) != 1 || id == r.UserID() || !isStaff(people[0]) {
			return 0, err
		}
		return id, nil
	}
	return 0, nil
}

// Start is what an address that names someone to write to shows: a button
// that starts the conversation. A GET never makes one (a link, an image or
// a prefetch would, unasked); someone the person may not chat with is a
// 404.
func (h *Handlers) Start(r *sdk.Request) error {
	other, err := partnerFor(r, r.Query)
	if err != nil {
		return err
	}
	if other == 0 {
		return sdk.ErrNotFound
	}
	people, err := r.People(other)
	if err != nil {
		return err
	}
	if len(people) != 1 { // no longer in the organisation
		return sdk.ErrNotFound
	}
	v := startView{Name: people[0].Name}
	for _, name := range []string{"dossier", "coach", "user"} {
		if value := r.Query.Get(name); value != "" {
			v.Field, v.Value = name, value
			break
		}
	}
	return r.Render(tmplStart, "chat.title", v)
}

// StartPost opens the conversation with the person the form names (the
// one there is, or a new one), and goes there; someone the person may not
// chat with is a 404.
func (h *Handlers) StartPost(r *sdk.Request) error {
	other, err := partnerFor(r, r.Form)
	if err != nil {
		return err
	}
	if other == 0 {
		return sdk.ErrNotFound
	}
	c, err := h.Conversations.Open(r.Context, r.OrganisationID(), r.UserID(), other)
	if err != nil {
		return err
	}
	return r.Redirect("/c/" + strconv.FormatInt(c.ID, 10))
}
