package main

import (
	"html/template"
	"strconv"
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// item is a conversation in the list: with whom, whether they are online,
// away or offline, and what the person has not read.
type item struct {
	ID       int64
	With     string
	Presence sdk.Presence
	Unread   int
	Open     bool
}

// listOf describes the person's conversations, open marking the one shown.
func listOf(r *sdk.Request, open int64) ([]item, error) {
	list, err := conversationsOf(r)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	var others []int64
	for _, c := range list {
		others = append(others, c.other(r.UserID()))
	}
	people, err := r.People(others...)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, p := range people {
		names[p.ID] = p.Name
	}
	present, err := r.Presence(others...)
	if err != nil {
		return nil, err
	}
	counts, err := unreadIn(r)
	if err != nil {
		return nil, err
	}
	out := make([]item, 0, len(list))
	for _, c := range list {
		o := c.other(r.UserID())
		if names[o] == "" {
			continue // no longer in the organisation
		}
		out = append(out, item{ID: c.ID, With: names[o], Presence: present[o], Unread: counts[c.ID], Open: c.ID == open})
	}
	return out, nil
}

// indexPage is the full-page chat: the person's conversations, and a way to
// their coach when they have one.
func indexPage(r *sdk.Request) error { return conversations(r, "index") }

// panelPart is the chat in the side panel on every page: the same list,
// each conversation opening in the main area.
func panelPart(r *sdk.Request) error { return conversations(r, "panel") }

// conversations renders the person's conversations with a template.
func conversations(r *sdk.Request, name string) error {
	list, err := listOf(r, 0)
	if err != nil {
		return err
	}
	own, err := r.OwnDossier()
	if err != nil {
		return err
	}
	return r.Render(name, "chat.title", map[string]any{"List": list, "HasCoach": own.CoachID != 0})
}

// conversationPage shows a conversation: its latest messages (older ones
// come on scrolling up), whether the other is online, away or offline
// (kept up to date by presencePart), the composer; it marks the
// conversation read.
func conversationPage(r *sdk.Request) error {
	c, err := mine(r)
	if err != nil || c == nil {
		return err
	}
	rds, err := readers(r, c)
	if err != nil {
		return err
	}
	rd := rds[r.UserID()]
	msgs, err := page(r, c, rd, 0)
	if err != nil {
		return err
	}
	if err := markRead(r, c); err != nil {
		return err
	}
	list, err := listOf(r, c.ID)
	if err != nil {
		return err
	}
	other := c.other(r.UserID())
	present, err := r.Presence(other)
	if err != nil {
		return err
	}
	// Staff go from the conversation to the other's dossier when they may.
	var dossier int64
	if r.Can("chat.staff") {
		d, err := r.DossierOf(other)
		if err != nil {
			return err
		}
		if d.Level.AtLeast("view") {
			dossier = d.ID
		}
	}
	return r.Render("conversation", "chat.title", map[string]any{"C": c, "List": list, "With": withView{rd.names[other], present[other]}, "Dossier": dossier,
		"Messages": msgs, "Event": eventOf(c.ID), "Typing": "chat.t" + strconv.FormatInt(c.ID, 10), "Older": older(msgs, c)})
}

// withView is the conversation's heading: the other person and their
// presence.
type withView struct {
	Name     string
	Presence sdk.Presence
}

// presencePart is the conversation's heading again, which the page asks
// for every half minute: the other may have come, gone or turned away.
func presencePart(r *sdk.Request) error {
	c, err := mine(r)
	if err != nil || c == nil {
		return err
	}
	other := c.other(r.UserID())
	people, err := r.People(other)
	if err != nil || len(people) == 0 {
		return err
	}
	present, err := r.Presence(other)
	if err != nil {
		return err
	}
	return r.Render("with", "chat.title", withView{people[0].Name, present[other]})
}

// page reads up to pageLength messages before the id given (0: the
// newest), oldest first, as the person sees them.
func page(r *sdk.Request, c *conversation, rd reader, before int64) ([]messageView, error) {
	var list []message
	q := r.DB().NewSelect().Model(&list).Where("organisation_id = ? AND conversation_id = ?", r.OrganisationID(), c.ID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	if err := q.Order("id DESC").Limit(pageLength).Scan(r.Context); err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]messageView, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, rd.view(list[i], now))
	}
	return out, nil
}

// older is the address of the messages before the first shown, "" when a
// page was not full (there are none).
func older(msgs []messageView, c *conversation) string {
	if len(msgs) < pageLength {
		return ""
	}
	return "/c/" + strconv.FormatInt(c.ID, 10) + "/older?before=" + strconv.FormatInt(msgs[0].ID, 10)
}

// olderPart answers the scroll upwards: the page of messages before one.
func olderPart(r *sdk.Request) error {
	c, err := mine(r)
	if err != nil || c == nil {
		return err
	}
	before, err := strconv.ParseInt(r.Query.Get("before"), 10, 64)
	if err != nil || before <= 0 {
		return r.Fail(400)
	}
	rds, err := readers(r, c)
	if err != nil {
		return err
	}
	msgs, err := page(r, c, rds[r.UserID()], before)
	if err != nil {
		return err
	}
	return r.Render("older", "chat.title", map[string]any{"Messages": msgs, "Older": older(msgs, c)})
}

// personCard offers, on a colleague's page, to write to them: staff to
// staff, as startPost allows.
func personCard(r *sdk.Request) (template.HTML, error) {
	id, err := strconv.ParseInt(r.Params["person_id"], 10, 64)
	if err != nil || id == r.UserID() || !r.Can("chat.staff") {
		return "", nil
	}
	people, err := r.People(id)
	if err != nil || len(people) != 1 || !isStaff(people[0]) {
		return "", err
	}
	return r.Fragment("person", map[string]any{"User": id, "Name": people[0].Name})
}

// dossierCard offers, on a dossier, to write to its person; on the
// person's own (a coachee's start page), to write to their coach, with
// what waits for them unread.
func dossierCard(r *sdk.Request) (template.HTML, error) {
	if r.Can("chat.staff") && sdk.Level(r.Params["level"]).AtLeast("contribute") {
		return r.Fragment("card", map[string]any{"Dossier": r.Params["dossier_id"]})
	}
	id, err := strconv.ParseInt(r.Params["dossier_id"], 10, 64)
	if err != nil {
		return "", nil
	}
	d, err := r.Dossier(id)
	if err != nil || d.PersonID != r.UserID() || d.CoachID == 0 {
		return "", err
	}
	n, err := unread(r, r.UserID())
	if err != nil {
		return "", err
	}
	return r.Fragment("card-own", map[string]any{"Unread": n})
}
