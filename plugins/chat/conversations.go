package main

import (
	"html/template"
	"strconv"
	"time"

	"github.com/atriumhq/atrium/plugins/chat/internal/conversation"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// The templates of the conversations and the cards.
const (
	tmplIndex        = "index"        // the full-page chat
	tmplPanel        = "panel"        // the chat in the side panel
	tmplConversation = "conversation" // one conversation
	tmplWith         = "with"         // a conversation's heading
	tmplOlder        = "older"        // the messages before those shown
	tmplPersonCard   = "person"       // on a colleague's page
	tmplDossierCard  = "card"         // on a dossier
	tmplOwnCard      = "card-own"     // on the person's own dossier
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

// listView is the person's conversations, and whether they have a coach
// to write to.
type listView struct {
	List     []item
	HasCoach bool
}

// withView is the conversation's heading: the other person and their
// presence.
type withView struct {
	Name     string
	Presence sdk.Presence
}

// conversationView is a conversation: the list beside it, its heading,
// its latest messages, the events that bring new ones and the typing, and
// the composer.
type conversationView struct {
	listView
	composerView
	With     withView
	Dossier  int64 // the other's dossier, for staff who may open it
	Messages []messageView
	Event    string // the event new messages come by
	Typing   string // the event the other's typing comes by
	Older    string // the address of the messages before, "" for none
}

// olderView is a page of older messages and the address of those before.
type olderView struct {
	Messages []messageView
	Older    string
}

// personCardView offers to write to a colleague.
type personCardView struct {
	User int64
	Name string
}

// dossierCardView offers to write to a dossier's person.
type dossierCardView struct {
	Dossier string // its id, as the host named it
}

// ownCardView offers a coachee to write to their coach, with what waits.
type ownCardView struct {
	Unread int
}

// listOf describes the person's conversations, open marking the one shown.
func (h *Handlers) listOf(r *sdk.Request, open int64) ([]item, error) {
	list, err := h.Conversations.List(r.Context, r.OrganisationID(), r.UserID())
	if err != nil || len(list) == 0 {
		return nil, err
	}
	var others []int64
	for _, c := range list {
		others = append(others, c.Other(r.UserID()))
	}
	people, err := r.PeopleByID(others...)
	if err != nil {
		return nil, err
	}
	present, err := r.Presence(others...)
	if err != nil {
		return nil, err
	}
	counts, err := h.Conversations.UnreadIn(r.Context, r.OrganisationID(), r.UserID())
	if err != nil {
		return nil, err
	}
	out := make([]item, 0, len(list))
	for _, c := range list {
		o := c.Other(r.UserID())
		if people[o].Name == "" {
			continue // no longer in the organisation
		}
		out = append(out, item{ID: c.ID, With: people[o].Name, Presence: present[o], Unread: counts[c.ID], Open: c.ID == open})
	}
	return out, nil
}

// Index is the full-page chat: the person's conversations, and a way to
// their coach when they have one.
func (h *Handlers) Index(r *sdk.Request) error { return h.conversations(r, tmplIndex) }

// Panel is the chat in the side panel on every page: the same list, each
// conversation opening in the main area.
func (h *Handlers) Panel(r *sdk.Request) error { return h.conversations(r, tmplPanel) }

// conversations renders the person's conversations with a template.
func (h *Handlers) conversations(r *sdk.Request, name string) error {
	list, err := h.listOf(r, 0)
	if err != nil {
		return err
	}
	own, err := r.OwnDossier()
	if err != nil {
		return err
	}
	return r.Render(name, "chat.title", listView{List: list, HasCoach: own.CoachID != 0})
}

// Conversation shows a conversation: its latest messages (older ones come
// on scrolling up), whether the other is online, away or offline (kept up
// to date by Presence), the composer; it marks the conversation read.
func (h *Handlers) Conversation(r *sdk.Request) error {
	c, err := h.mine(r)
	if err != nil {
		return err
	}
	rds, err := h.readers(r, c)
	if err != nil {
		return err
	}
	rd := rds[r.UserID()]
	msgs, err := h.page(r, c, rd, 0)
	if err != nil {
		return err
	}
	if err := h.markRead(r, c); err != nil {
		return err
	}
	v := conversationView{composerView: composerView{C: c}, Messages: msgs, Event: eventOf(c.ID), Typing: typingOf(c.ID), Older: older(msgs, c)}
	if v.List, err = h.listOf(r, c.ID); err != nil {
		return err
	}
	other := c.Other(r.UserID())
	present, err := r.Presence(other)
	if err != nil {
		return err
	}
	v.With = withView{rd.names[other], present[other]}
	// Staff go from the conversation to the other's dossier when they may.
	if r.Can("chat.staff") {
		d, err := r.DossierOf(other)
		if err != nil {
			return err
		}
		if d.Level.AtLeast("view") {
			v.Dossier = d.ID
		}
	}
	return r.Render(tmplConversation, "chat.title", v)
}

// Presence is the conversation's heading again, which the page asks for
// every half minute: the other may have come, gone or turned away.
func (h *Handlers) Presence(r *sdk.Request) error {
	c, err := h.mine(r)
	if err != nil {
		return err
	}
	other := c.Other(r.UserID())
	people, err := r.People(other)
	if err != nil || len(people) == 0 {
		return err
	}
	present, err := r.Presence(other)
	if err != nil {
		return err
	}
	return r.Render(tmplWith, "chat.title", withView{people[0].Name, present[other]})
}

// page reads a page of messages before the id given (0: the newest),
// oldest first, as the person sees them.
func (h *Handlers) page(r *sdk.Request, c *conversation.Conversation, rd reader, before int64) ([]messageView, error) {
	list, err := h.Conversations.Page(r.Context, c, before)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := make([]messageView, 0, len(list))
	for _, m := range list {
		out = append(out, rd.view(m, now))
	}
	return out, nil
}

// older is the address of the messages before the first shown, "" when a
// page was not full (there are none).
func older(msgs []messageView, c *conversation.Conversation) string {
	if len(msgs) < conversation.PageLength {
		return ""
	}
	return "/c/" + strconv.FormatInt(c.ID, 10) + "/older?before=" + strconv.FormatInt(msgs[0].ID, 10)
}

// Older answers the scroll upwards: the page of messages before one.
func (h *Handlers) Older(r *sdk.Request) error {
	c, err := h.mine(r)
	if err != nil {
		return err
	}
	before, err := strconv.ParseInt(r.Query.Get("before"), 10, 64)
	if err != nil || before <= 0 {
		return r.Fail(400)
	}
	rds, err := h.readers(r, c)
	if err != nil {
		return err
	}
	msgs, err := h.page(r, c, rds[r.UserID()], before)
	if err != nil {
		return err
	}
	return r.Render(tmplOlder, "chat.title", olderView{Messages: msgs, Older: older(msgs, c)})
}

// PersonCard offers, on a colleague's page, to write to them: staff to
// staff, as StartPost allows.
func (h *Handlers) PersonCard(r *sdk.Request) (template.HTML, error) {
	id, err := r.ParamID("person_id")
	if err != nil || id == r.UserID() || !r.Can("chat.staff") {
		return "", nil
	}
	people, err := r.People(id)
	if err != nil || len(people) != 1 || !isStaff(people[0]) {
		return "", err
	}
	return r.Fragment(tmplPersonCard, personCardView{User: id, Name: people[0].Name})
}

// DossierCard offers, on a dossier, to write to its person; on the
// person's own (a coachee's start page), to write to their coach, with
// what waits for them unread.
func (h *Handlers) DossierCard(r *sdk.Request) (template.HTML, error) {
	if r.Can("chat.staff") && sdk.Level(r.Params["level"]).AtLeast("contribute") {
		return r.Fragment(tmplDossierCard, dossierCardView{Dossier: r.Params["dossier_id"]})
	}
	id, err := r.ParamID("dossier_id")
	if err != nil {
		return "", nil
	}
	d, err := r.Dossier(id)
	if err != nil || d.PersonID != r.UserID() || d.CoachID == 0 {
		return "", err
	}
	n, err := h.Conversations.Unread(r.Context, r.OrganisationID(), r.UserID())
	if err != nil {
		return "", err
	}
	return r.Fragment(tmplOwnCard, ownCardView{Unread: n})
}
