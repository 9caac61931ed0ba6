package main

import (
	"context"
	"database/sql"
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// message is one line of a conversation: plain text, shown escaped.
type message struct {
	bun.BaseModel  `bun:"table:chat_messages"`
	ID             int64      `bun:"id,pk,autoincrement"`
	OrganisationID int64      `bun:"organisation_id,notnull"`
	ConversationID int64      `bun:"conversation_id,notnull"`
	AuthorID       int64      `bun:"author_id,notnull"`
	Body           string     `bun:"body,notnull"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	EditedAt       *time.Time `bun:"edited_at"`
	DeletedAt      *time.Time `bun:"deleted_at"`
}

// Limits.
const (
	maxLength  = 4000 // characters in one message
	perMinute  = 20   // messages one person sends a minute
	pageLength = 30   // messages shown at once, older ones on scrolling up
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

func (r reader) view(m message, now time.Time) messageView {
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

// reader is who messages are shown to: their id, zone and the names of the
// people in the conversation.
type reader struct {
	me     int64
	zone   *time.Location
	names  map[int64]string
	window time.Duration // how long one's own messages can change
}

// readers are the conversation's two people as messages are shown to
// each: one People call and one read of the settings for both.
func readers(r *sdk.Request, c *conversation) (map[int64]reader, error) {
	window, err := editWindow(r)
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

// sendPost sends a message: refused when empty, too long, or sent too
// often; delivered live to both people's open tabs, counted as unread for
// the other, and announced by a notice (and a mail, by their choice,
// without the text) when they have no tab open.
func sendPost(r *sdk.Request) error {
	c, err := mine(r)
	if err != nil || c == nil {
		return err
	}
	body := strings.TrimSpace(strings.ReplaceAll(r.Form.Get("body"), "\r\n", "\n"))
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
	case n > 2*maxLength:
		return composer(r, c, 413, "", "chat.error.too_long")
	case n > maxLength:
		return composer(r, c, 413, body, "chat.error.too_long")
	}
	now := time.Now().UTC()
	recent, err := r.DB().NewSelect().Model((*message)(nil)).Where("organisation_id = ? AND author_id = ? AND created_at > ?", r.OrganisationID(), r.UserID(), now.Add(-time.Minute)).Count(r.Context)
	if err != nil {
		return err
	}
	if recent >= perMinute {
		return composer(r, c, 429, body, "chat.error.too_many")
	}
	m := &message{OrganisationID: r.OrganisationID(), ConversationID: c.ID, AuthorID: r.UserID(), Body: body, CreatedAt: now}
	if err := keep(r, c, m); err != nil {
		return err
	}
	if err := deliver(r, c, *m, false); err != nil {
		return err
	}
	other := c.other(r.UserID())
	if err := recount(r, other); err != nil {
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

// keep stores a message and makes it the conversation's latest.
func keep(r *sdk.Request, c *conversation, m *message) error {
	return r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model(c).Set("last_at = ?", m.CreatedAt).WherePK().Exec(ctx)
		return err
	})
}

// deliver sends a message, as each of the two sees it, to their open tabs;
// replace sends it to take the place of the one shown (edited, deleted).
func deliver(r *sdk.Request, c *conversation, m message, replace bool) error {
	now := time.Now()
	rds, err := readers(r, c)
	if err != nil {
		return err
	}
	for who, rd := range rds {
		v := rd.view(m, now)
		v.OOB = replace
		html, err := r.Fragment("message", v)
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

// composer answers a send: the form again, empty after a message went, or
// with what was typed and why it did not go.
func composer(r *sdk.Request, c *conversation, status int, body, problem string) error {
	if !r.HTMX && status == 200 {
		return r.Redirect("/c/" + strconv.FormatInt(c.ID, 10))
	}
	if status != 200 {
		r.SetHeader("HX-Reswap", "outerHTML")
	}
	return r.RenderStatus(status, "composer", "chat.title", map[string]any{"C": c, "Body": body, "Problem": problem})
}

// ownMessage reads one of the person's own messages that can still change.
func ownMessage(r *sdk.Request) (*message, *conversation, error) {
	id, err := strconv.ParseInt(r.Params["mid"], 10, 64)
	if err != nil {
		return nil, nil, r.Fail(404)
	}
	m := &message{}
	err = r.DB().NewSelect().Model(m).Where("id = ? AND organisation_id = ? AND author_id = ? AND deleted_at IS NULL", id, r.OrganisationID(), r.UserID()).Scan(r.Context)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, r.Fail(404)
	}
	if err != nil {
		return nil, nil, err
	}
	c := &conversation{}
	if err := r.DB().NewSelect().Model(c).Where("id = ? AND organisation_id = ?", m.ConversationID, r.OrganisationID()).Scan(r.Context); err != nil {
		return nil, nil, err
	}
	window, err := editWindow(r)
	if err != nil {
		return nil, nil, err
	}
	if time.Since(m.CreatedAt) >= window {
		return nil, nil, r.Fail(409)
	}
	return m, c, nil
}

// editPost changes one's own message within the time allowed; it shows as
// edited to both.
func editPost(r *sdk.Request) error {
	m, c, err := ownMessage(r)
	if err != nil || m == nil {
		return err
	}
	body := strings.TrimSpace(strings.ReplaceAll(r.Form.Get("body"), "\r\n", "\n"))
	switch {
	case body == "" || !utf8.ValidString(body):
		return r.Fail(422)
	case utf8.RuneCountInString(body) > maxLength:
		return r.Fail(413)
	}
	now := time.Now().UTC()
	if _, err := r.DB().NewUpdate().Model(m).Set("body = ?, edited_at = ?", body, now).WherePK().Exec(r.Context); err != nil {
		return err
	}
	m.Body, m.EditedAt = body, &now
	return changed(r, c, *m)
}

// deletePost deletes one's own message within the time allowed; both see
// that a message was deleted, not what it said.
func deletePost(r *sdk.Request) error {
	m, c, err := ownMessage(r)
	if err != nil || m == nil {
		return err
	}
	now := time.Now().UTC()
	if _, err := r.DB().NewUpdate().Model(m).Set("body = '', deleted_at = ?", now).WherePK().Exec(r.Context); err != nil {
		return err
	}
	m.Body, m.DeletedAt = "", &now
	if err := recount(r, c.other(r.UserID())); err != nil {
		r.Warn("chat: unread not counted", "error", err)
	}
	return changed(r, c, *m)
}

// changed sends an edited or deleted message to both; the request's own
// answer is empty (the event brings it to this tab too).
func changed(r *sdk.Request, c *conversation, m message) error {
	if err := deliver(r, c, m, true); err != nil {
		return err
	}
	r.SetHeader("HX-Reswap", "none")
	return r.Raw(200, "text/plain; charset=utf-8", nil)
}

// typingPost tells the other that the person is typing; the line fades by
// itself.
func typingPost(r *sdk.Request) error {
	c, err := mine(r)
	if err != nil || c == nil {
		return err
	}
	html, err := r.Fragment("typing", map[string]any{"Name": r.UserName(), "C": c.ID})
	if err != nil {
		return err
	}
	if err := r.Publish(sdk.UserTopic(c.other(r.UserID())), "chat.t"+strconv.FormatInt(c.ID, 10), html); err != nil {
		return err
	}
	r.SetHeader("HX-Reswap", "none")
	return r.Raw(200, "text/plain; charset=utf-8", nil)
}
