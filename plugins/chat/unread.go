package main

import (
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// read is how far a person has read a conversation.
type read struct {
	bun.BaseModel  `bun:"table:chat_reads"`
	OrganisationID int64 `bun:"organisation_id,pk"`
	ConversationID int64 `bun:"conversation_id,pk"`
	UserID         int64 `bun:"user_id,pk"`
	LastReadID     int64 `bun:"last_read_id,notnull"`
}

// unread counts a person's messages not yet read, in all conversations.
func unread(r *sdk.Request, user int64) (int, error) {
	var n int
	err := r.DB().NewSelect().TableExpr("chat_messages AS m").
		Join("JOIN chat_conversations AS c ON c.id = m.conversation_id").
		Join("LEFT JOIN chat_reads AS rd ON rd.conversation_id = c.id AND rd.user_id = ?", user).
		ColumnExpr("COUNT(*)").
		Where("m.organisation_id = ? AND c.organisation_id = ? AND (c.low_id = ? OR c.high_id = ?)", r.OrganisationID(), r.OrganisationID(), user, user).
		Where("m.author_id <> ? AND m.deleted_at IS NULL AND m.id > COALESCE(rd.last_read_id, 0)", user).
		Scan(r.Context, &n)
	return n, err
}

// unreadIn counts, per conversation, what the person has not read.
func unreadIn(r *sdk.Request) (map[int64]int, error) {
	var rows []struct {
		ConversationID int64 `bun:"conversation_id"`
		N              int   `bun:"n"`
	}
	user := r.UserID()
	err := r.DB().NewSelect().TableExpr("chat_messages AS m").
		Join("JOIN chat_conversations AS c ON c.id = m.conversation_id").
		Join("LEFT JOIN chat_reads AS rd ON rd.conversation_id = c.id AND rd.user_id = ?", user).
		ColumnExpr("m.conversation_id, COUNT(*) AS n").
		Where("m.organisation_id = ? AND c.organisation_id = ? AND (c.low_id = ? OR c.high_id = ?)", r.OrganisationID(), r.OrganisationID(), user, user).
		Where("m.author_id <> ? AND m.deleted_at IS NULL AND m.id > COALESCE(rd.last_read_id, 0)", user).
		GroupExpr("m.conversation_id").Scan(r.Context, &rows)
	out := map[int64]int{}
	for _, row := range rows {
		out[row.ConversationID] = row.N
	}
	return out, err
}

// recount tells the host what waits for a person, for the navigation.
func recount(r *sdk.Request, user int64) error {
	n, err := unread(r, user)
	if err != nil {
		return err
	}
	return r.SetCount(user, n)
}

// markRead records that the person has read a conversation up to its
// newest message.
func markRead(r *sdk.Request, c *conversation) error {
	var newest int64
	if err := r.DB().NewSelect().Model((*message)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").Where("organisation_id = ? AND conversation_id = ?", r.OrganisationID(), c.ID).Scan(r.Context, &newest); err != nil {
		return err
	}
	row := &read{OrganisationID: r.OrganisationID(), ConversationID: c.ID, UserID: r.UserID(), LastReadID: newest}
	_, err := r.DB().NewInsert().Model(row).On("CONFLICT (organisation_id, conversation_id, user_id) DO UPDATE").
		Set("last_read_id = EXCLUDED.last_read_id").Exec(r.Context)
	if err != nil {
		return err
	}
	return recount(r, r.UserID())
}

// readPost marks a conversation read while it is open and a message comes
// in (the page asks on every message event).
func readPost(r *sdk.Request) error {
	c, err := mine(r)
	if err != nil || c == nil {
		return err
	}
	if err := markRead(r, c); err != nil {
		return err
	}
	r.SetHeader("HX-Reswap", "none")
	return r.Raw(200, "text/plain; charset=utf-8", nil)
}
