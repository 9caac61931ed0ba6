// Package conversation owns the chat's conversations: one-on-one, between
// two members of an organisation (chat_conversations), their messages
// (chat_messages) and how far each person has read them (chat_reads).
//
// Example usage:
//
//	s := conversation.New(m) // the module, before sdk.Serve
//	c, err := s.Mine(r.Context, r.OrganisationID(), r.UserID(), id)
//	n, err := s.Unread(r.Context, r.OrganisationID(), r.UserID())
package conversation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// Conversation is one-on-one, between two members of an organisation (the
// lower id first, so a pair has one conversation).
type Conversation struct {
	bun.BaseModel  `bun:"table:chat_conversations"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	LowID          int64     `bun:"low_id,notnull"`
	HighID         int64     `bun:"high_id,notnull"`
	LastAt         time.Time `bun:"last_at,notnull"`
}

// Other is the participant who is not me.
func (c Conversation) Other(me int64) int64 {
	if c.LowID == me {
		return c.HighID
	}
	return c.LowID
}

// read is how far a person has read a conversation.
type read struct {
	bun.BaseModel  `bun:"table:chat_reads"`
	OrganisationID int64 `bun:"organisation_id,pk"`
	ConversationID int64 `bun:"conversation_id,pk"`
	UserID         int64 `bun:"user_id,pk"`
	LastReadID     int64 `bun:"last_read_id,notnull"`
}

// ErrNotFound is a conversation or message that is not there, or not the
// person's: a 404.
var ErrNotFound = fmt.Errorf("chat: no such conversation or message: %w", sdk.ErrNotFound)

// Service keeps conversations, their messages and what people read.
type Service struct{ db sdk.Database }

// New is the service on the module's database.
func New(db sdk.Database) *Service { return &Service{db: db} }

// Mine reads a conversation of the person's; anyone else's is ErrNotFound,
// as if there were none.
func (s *Service) Mine(ctx context.Context, orgID, me, id int64) (*Conversation, error) {
	c := &Conversation{}
	err := s.db.DB().NewSelect().Model(c).Where("id = ? AND organisation_id = ? AND (low_id = ? OR high_id = ?)", id, orgID, me, me).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return c, err
}

// Open finds or makes the conversation of two people; a pair has one (a
// unique index keeps it so when two start at once).
func (s *Service) Open(ctx context.Context, orgID, me, other int64) (*Conversation, error) {
	low, high := min(me, other), max(me, other)
	c := &Conversation{OrganisationID: orgID, LowID: low, HighID: high, LastAt: time.Now().UTC()}
	_, err := s.db.DB().NewInsert().Model(c).On("CONFLICT (organisation_id, low_id, high_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.DB().NewSelect().Model(c).Where("organisation_id = ? AND low_id = ? AND high_id = ?", orgID, low, high).Scan(ctx)
	return c, err
}

// List lists the person's conversations, latest first.
func (s *Service) List(ctx context.Context, orgID, me int64) ([]Conversation, error) {
	var list []Conversation
	err := s.db.DB().NewSelect().Model(&list).Where("organisation_id = ? AND (low_id = ? OR high_id = ?)", orgID, me, me).
		Order("last_at DESC").Limit(200).Scan(ctx)
	return list, err
}

// Unread counts a person's messages not yet read, in all conversations.
func (s *Service) Unread(ctx context.Context, orgID, user int64) (int, error) {
	var n int
	err := s.db.DB().NewSelect().TableExpr("chat_messages AS m").
		Join("JOIN chat_conversations AS c ON c.id = m.conversation_id").
		Join("LEFT JOIN chat_reads AS rd ON rd.conversation_id = c.id AND rd.user_id = ?", user).
		ColumnExpr("COUNT(*)").
		Where("m.organisation_id = ? AND c.organisation_id = ? AND (c.low_id = ? OR c.high_id = ?)", orgID, orgID, user, user).
		Where("m.author_id <> ? AND m.deleted_at IS NULL AND m.id > COALESCE(rd.last_read_id, 0)", user).
		Scan(ctx, &n)
	return n, err
}

// UnreadIn counts, per conversation, what the person has not read.
func (s *Service) UnreadIn(ctx context.Context, orgID, user int64) (map[int64]int, error) {
	var rows []struct {
		ConversationID int64 `bun:"conversation_id"`
		N              int   `bun:"n"`
	}
	err := s.db.DB().NewSelect().TableExpr("chat_messages AS m").
		Join("JOIN chat_conversations AS c ON c.id = m.conversation_id").
		Join("LEFT JOIN chat_reads AS rd ON rd.conversation_id = c.id AND rd.user_id = ?", user).
		ColumnExpr("m.conversation_id, COUNT(*) AS n").
		Where("m.organisation_id = ? AND c.organisation_id = ? AND (c.low_id = ? OR c.high_id = ?)", orgID, orgID, user, user).
		Where("m.author_id <> ? AND m.deleted_at IS NULL AND m.id > COALESCE(rd.last_read_id, 0)", user).
		GroupExpr("m.conversation_id").Scan(ctx, &rows)
	out := map[int64]int{}
	for _, row := range rows {
		out[row.ConversationID] = row.N
	}
	return out, err
}

// MarkRead records that the person has read a conversation up to its
// newest message.
func (s *Service) MarkRead(ctx context.Context, c *Conversation, user int64) error {
	var newest int64
	if err := s.db.DB().NewSelect().Model((*Message)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").Where("organisation_id = ? AND conversation_id = ?", c.OrganisationID, c.ID).Scan(ctx, &newest); err != nil {
		return err
	}
	row := &read{OrganisationID: c.OrganisationID, ConversationID: c.ID, UserID: user, LastReadID: newest}
	_, err := s.db.DB().NewInsert().Model(row).On("CONFLICT (organisation_id, conversation_id, user_id) DO UPDATE").
		Set("last_read_id = EXCLUDED.last_read_id").Exec(ctx)
	return err
}
