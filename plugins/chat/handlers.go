package main

import (
	"github.com/atriumhq/atrium/plugins/chat/internal/conversation"
	"github.com/atriumhq/atrium/plugins/chat/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Handlers answer the chat's pages, slots and events. They hold the
// services that keep its data; a handler reads the request, calls them and
// renders what they return.
type Handlers struct {
	Conversations *conversation.Service
	Settings      *settings.Service
}

// mine reads a conversation of the request's person named by the route;
// anyone else's is a 404, as if there were none.
func (h *Handlers) mine(r *sdk.Request) (*conversation.Conversation, error) {
	id, err := r.ParamID("id")
	if err != nil {
		return nil, err
	}
	return h.Conversations.Mine(r.Context, r.OrganisationID(), r.UserID(), id)
}

// recount tells the host what waits for a person, for the navigation.
func (h *Handlers) recount(r *sdk.Request, user int64) error {
	n, err := h.Conversations.Unread(r.Context, r.OrganisationID(), user)
	if err != nil {
		return err
	}
	return r.SetCount(user, n)
}

// markRead records that the person has read a conversation up to its
// newest message, and counts what waits for them again.
func (h *Handlers) markRead(r *sdk.Request, c *conversation.Conversation) error {
	if err := h.Conversations.MarkRead(r.Context, c, r.UserID()); err != nil {
		return err
	}
	return h.recount(r, r.UserID())
}

// answered is the empty answer to a request whose effect a live event
// brings to the page (htmx swaps nothing).
func answered(r *sdk.Request) error {
	r.SetHeader("HX-Reswap", "none")
	return r.Raw(200, "text/plain; charset=utf-8", nil)
}
