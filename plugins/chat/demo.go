package main

import (
	"time"

	"github.com/atriumhq/atrium/plugins/chat/internal/conversation"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Demo opens the conversation of the demo's coach with their coachee, with
// a welcome from the coach that the coachee has not read yet, so the demo
// shows a count and a conversation from the first start. A conversation
// with messages is left as it is.
func (h *Handlers) Demo(r *sdk.Request, people sdk.DemoPeople) error {
	if people.Coachee == 0 {
		return nil
	}
	c, err := h.Conversations.Open(r.Context, r.OrganisationID(), r.UserID(), people.Coachee)
	if err != nil {
		return err
	}
	n, err := h.Conversations.Count(r.Context, c)
	if err != nil || n > 0 {
		return err
	}
	m := &conversation.Message{OrganisationID: r.OrganisationID(), ConversationID: c.ID, AuthorID: r.UserID(), Body: r.T("chat.demo.welcome"),
		CreatedAt: time.Now().UTC()}
	if err := h.Conversations.Keep(r.Context, c, m); err != nil {
		return err
	}
	return h.recount(r, people.Coachee)
}
