package main

import (
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/atriumhq/atrium/plugins/chat/internal/conversation"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// The templates of messages.
const (
	tmplMessage  = "message"  // one message, as a live event brings it
	tmplComposer = "composer" // the form that sends one
	tmplTyping   = "typing"   // the line that says the other is typing
)

// messageView is a message as one reader sees it.
type messageView struct {
	ID, ConversationID int64
	Mine               bool
	Author             string
	Body               template.HTML
	Plain              string // the start of the text, for a desktop notification
	Time               string
	Edited, Deleted    bool
	Changeable         bool
	OOB                bool // sent to replace the one a tab shows
}

// composerView is the form that sends a message: empty after one went, or
// with what was typed and why it did not go.
type composerView struct {
	C       *conversation.Conversation
	Body    string
	Problem string
}

// typingView is the line that says who is typing.
type typingView struct {
	Name string
	C    int64
}

// reader is who messages are shown to: their id, zone and the names of the
// people in the conversation.
type reader struct {
	me     int64
	zone   *time.Location
	names  map[int64]string
	window time.Duration // how long one's own messages can change
}

// view is a message as the reader sees it now.
func (r reader) view(m conversation.Message, now time.Time) messageView {
	v := messageView{ID: m.ID, ConversationID: m.ConversationID, Mine: m.AuthorID == r.me, Author: r.names[m.AuthorID],
		Time: m.CreatedAt.In(r.zone).Format("15:04"), Edited: m.EditedAt != nil, Deleted: m.DeletedAt != nil}
	if !v.Deleted {
		v.Body = richText(m.Body, r.names)
		v.Plain = m.Body
		if utf8.RuneCountInString(v.Plain) > 120 {
			v.Plain = string([]rune(v.Plain)[:120]) + "…"
		}
	}
	v.Changeable = v.Mine && !v.Deleted && now.Sub(m.CreatedAt) < r.window
	if m.CreatedAt.In(r.zone).YearDay() != now.In(r.zone).YearDay() {
		v.Time = m.CreatedAt.In(r.zone).Format("2 Jan 15:04")
	}
	return v
}

// readers are the conversation's two people as messages are shown to
// each: one People call and one read of the settings for both.
func (h *Handlers) readers(r *sdk.Request, c *conversation.Conversation) (map[int64]reader, error) {
	window, err := h.Settings.EditWindow(r.Context, r.OrganisationID())
	if err != nil {
		return nil, err
	}
	people, err := r.People(c.LowID, c.HighID)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, p := range people {
		names[p.ID] = p.Name
	}
	out := map[int64]reader{}
	for _, p := range people {
		out[p.ID] = reader{me: p.ID, zone: sdk.Zone(p.TimeZone), names: names, window: window}
	}
	return out, nil
}

// bodyOf is the message text a form sends, trimmed, with line ends as
// "\n".
func bodyOf(r *sdk.Request) string {
	return strings.TrimSpace(strings.ReplaceAll(r.Form.Get("body"), "\r\n", "\n"))
}

// SendPost sends a message: refused when empty, too long, or sent too
// often; delivered live to both people's open tabs, counted as unread for
// the other, and announced by a notice (and a mail, by their choice,
// without the text) when they have no tab open.
func (h *Handlers) SendPost(r *sdk.Request) error {
	c, err := h.mine(r)
	if err != nil {
		return err
	}
	body := bodyOf(r)
	// Too long is too large (413), as the host answers a body beyond what it
	// hands a plugin: an oversized message is refused alike at any size.
	// A near miss goes back as typed, to be shortened; a text far beyond
	// (no one typed it: the box stops at the limit) does not, since its
	// escaped copy could outgrow what the host takes back from a plugin.
	switch n := utf8.RuneCountInString(body); {
	case body == "":
		return composer(r, c, 422, body, "chat.error.empty")
	case !utf8.ValidString(body):
		return composer(r, c, 422, "", "chat.error.unreadable")
	case n > 2*conversation.MaxLength:
		return composer(r, c, 413, "", "chat.error.too_long")
	case n > conversation.MaxLength:
		return composer(r, c, 413, body, "chat.error.too_long")
	}
	now := time.Now().UTC()
	recent, err := h.Conversations.SentSince(r.Context, r.OrganisationID(), r.UserID(), now.Add(-time.Minute))
	if err != nil {
		return err
	}
	if recent >= conversation.PerMinute {
		return composer(r, c, 429, body, "chat.error.too_many")
	}
	m := &conversation.Message{OrganisationID: r.OrganisationID(), ConversationID: c.ID, AuthorID: r.UserID(), Body: body, CreatedAt: now}
	if err := h.Conversations.Keep(r.Context, c, m); err != nil {
		return err
	}
	if err := h.deliver(r, c, *m, false); err != nil {
		return err
	}
	other := c.Other(r.UserID())
	if err := h.recount(r, other); err != nil {
		r.Warn("chat: unread not counted", "error", err)
	}
	// Whoever is not looking (offline, or away from every tab) gets a
	// notice, and a mail when they want one; never the text.
	present, err := r.Presence(other)
	if err == nil && present[other] != sdk.Here {
		err = r.Notify(other, "chat.notice.new", r.URL("/c/"+strconv.FormatInt(c.ID, 10)))
	}
	if err != nil {
		r.Warn("chat: the other was not told", "error", err)
	}
	return composer(r, c, 200, "", "")
}

// deliver sends a message, as each of the two sees it, to their open tabs;
// replace sends it to take the place of the one shown (edited, deleted).
func (h *Handlers) deliver(r *sdk.Request, c *conversation.Conversation, m conversation.Message, replace bool) error {
	now := time.Now()
	rds, err := h.readers(r, c)
	if err != nil {
		return err
	}
	for who, rd := range rds {
		v := rd.view(m, now)
		v.OOB = replace
		html, err := r.Fragment(tmplMessage, v)
		if err != nil {
			return err
		}
		if err := r.Publish(sdk.UserTopic(who), eventOf(c.ID), html); err != nil {
			return err
		}
	}
	return nil
}

// eventOf is the event a conversation's messages come by.
func eventOf(id int64) string { return "chat.c" + strconv.FormatInt(id, 10) }

// typingOf is the event that tells a conversation's typing.
func typingOf(id int64) string { return "chat.t" + strconv.FormatInt(id, 10) }

// composer answers a send: the form again, empty after a message went, or
// with what was typed and why it did not go.
func composer(r *sdk.Request, c *conversation.Conversation, status int, body, problem string) error {
	if !r.HTMX && status == 200 {
		return r.Redirect("/c/" + strconv.FormatInt(c.ID, 10))
	}
	if status != 200 {
		r.SetHeader("HX-Reswap", "outerHTML")
	}
	return r.RenderStatus(status, tmplComposer, "chat.title", composerView{C: c, Body: body, Problem: problem})
}

// ownMessage reads one of the person's own messages that can still change
// (409 once the organisation's edit window has passed).
func (h *Handlers) ownMessage(r *sdk.Request) (*conversation.Message, *conversation.Conversation, error) {
	id, err := r.ParamID("mid")
	if err != nil {
		return nil, nil, err
	}
	m, c, err := h.Conversations.Own(r.Context, r.OrganisationID(), r.UserID(), id)
	if err != nil {
		return nil, nil, err
	}
	window, err := h.Settings.EditWindow(r.Context, r.OrganisationID())
	if err != nil {
		return nil, nil, err
	}
	if time.Since(m.CreatedAt) >= window {
		return nil, nil, r.Fail(409)
	}
	return m, c, nil
}

// EditPost changes one's own message within the time allowed; it shows as
// edited to both.
func (h *Handlers) EditPost(r *sdk.Request) error {
	m, c, err := h.ownMessage(r)
	if err != nil || m == nil {
		return err
	}
	body := bodyOf(r)
	switch {
	case body == "" || !utf8.ValidString(body):
		return r.Fail(422)
	case utf8.RuneCountInString(body) > conversation.MaxLength:
		return r.Fail(413)
	}
	if err := h.Conversations.Edit(r.Context, m, body, time.Now()); err != nil {
		return err
	}
	return h.changed(r, c, *m)
}

// DeletePost deletes one's own message within the time allowed; both see
// that a message was deleted, not what it said.
func (h *Handlers) DeletePost(r *sdk.Request) error {
	m, c, err := h.ownMessage(r)
	if err != nil || m == nil {
		return err
	}
	if err := h.Conversations.Delete(r.Context, m, time.Now()); err != nil {
		return err
	}
	if err := h.recount(r, c.Other(r.UserID())); err != nil {
		r.Warn("chat: unread not counted", "error", err)
	}
	return h.changed(r, c, *m)
}

// changed sends an edited or deleted message to both; the request's own
// answer is empty (the event brings it to this tab too).
func (h *Handlers) changed(r *sdk.Request, c *conversation.Conversation, m conversation.Message) error {
	if err := h.deliver(r, c, m, true); err != nil {
		return err
	}
	return answered(r)
}

// TypingPost tells the other that the person is typing; the line fades by
// itself.
func (h *Handlers) TypingPost(r *sdk.Request) error {
	c, err := h.mine(r)
	if err != nil {
		return err
	}
	html, err := r.Fragment(tmplTyping, typingView{Name: r.UserName(), C: c.ID})
	if err != nil {
		return err
	}
	if err := r.Publish(sdk.UserTopic(c.Other(r.UserID())), typingOf(c.ID), html); err != nil {
		return err
	}
	return answered(r)
}

// ReadPost marks a conversation read while it is open and a message comes
// in (the page asks on every message event).
func (h *Handlers) ReadPost(r *sdk.Request) error {
	c, err := h.mine(r)
	if err != nil {
		return err
	}
	if err := h.markRead(r, c); err != nil {
		return err
	}
	return answered(r)
}
