package main

import (
	"database/sql"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// conversation is one-on-one, between two members of an organisation (the
// lower id first, so a pair has one conversation).
type conversation struct {
	bun.BaseModel  `bun:"table:chat_conversations"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	LowID          int64     `bun:"low_id,notnull"`
	HighID         int64     `bun:"high_id,notnull"`
	LastAt         time.Time `bun:"last_at,notnull"`
}

// other is the participant who is not me.
func (c conversation) other(me int64) int64 {
	if c.LowID == me {
		return c.HighID
	}
	return c.LowID
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

// mine reads a conversation of the request's person named by the route;
// anyone else's is a 404, as if there were none.
func mine(r *sdk.Request) (*conversation, error) {
	id, err := strconv.ParseInt(r.Params["id"], 10, 64)
	if err != nil {
		return nil, r.Fail(404)
	}
	c := &conversation{}
	err = r.DB().NewSelect().Model(c).Where("id = ? AND organisation_id = ? AND (low_id = ? OR high_id = ?)", id, r.OrganisationID(), r.UserID(), r.UserID()).Scan(r.Context)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, r.Fail(404)
	}
	return c, err
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

// open finds or makes the conversation of the request's person with
// another; a pair has one (a unique index keeps it so when two start at
// once).
func open(r *sdk.Request, other int64) (*conversation, error) {
	low, high := min(r.UserID(), other), max(r.UserID(), other)
	c := &conversation{OrganisationID: r.OrganisationID(), LowID: low, HighID: high, LastAt: time.Now().UTC()}
	_, err := r.DB().NewInsert().Model(c).On("CONFLICT (organisation_id, low_id, high_id) DO NOTHING").Exec(r.Context)
	if err != nil {
		return nil, err
	}
	err = r.DB().NewSelect().Model(c).Where("organisation_id = ? AND low_id = ? AND high_id = ?", r.OrganisationID(), low, high).Scan(r.Context)
	return c, err
}

// startPage is what an address that names someone to write to shows: a
// button that starts the conversation. A GET never makes one (a link, an
// image or a prefetch would, unasked); someone the person may not chat
// with is a 404.
func startPage(r *sdk.Request) error {
	other, err := partnerFor(r, r.Query)
	if err != nil {
		return err
	}
	if other == 0 {
		return r.Fail(404)
	}
	people, err := r.People(other)
	if err != nil {
		return err
	}
	if len(people) != 1 { // no longer in the organisation
		return r.Fail(404)
	}
	field, value := "", ""
	for _, name := range []string{"dossier", "coach", "user"} {
		if v := r.Query.Get(name); v != "" {
			field, value = name, v
			break
		}
	}
	return r.Render("start", "chat.title", map[string]any{"Field": field, "Value": value, "Name": people[0].Name})
}

// startPost opens the conversation with the person the form names (the
// one there is, or a new one), and goes there; someone the person may not
// chat with is a 404.
func startPost(r *sdk.Request) error {
	other, err := partnerFor(r, r.Form)
	if err != nil {
		return err
	}
	if other == 0 {
		return r.Fail(404)
	}
	c, err := open(r, other)
	if err != nil {
		return err
	}
	return r.Redirect("/c/" + strconv.FormatInt(c.ID, 10))
}

// conversationsOf lists the person's conversations, latest first.
func conversationsOf(r *sdk.Request) ([]conversation, error) {
	var list []conversation
	err := r.DB().NewSelect().Model(&list).Where("organisation_id = ? AND (low_id = ? OR high_id = ?)", r.OrganisationID(), r.UserID(), r.UserID()).
		Order("last_at DESC").Limit(200).Scan(r.Context)
	return list, err
}
