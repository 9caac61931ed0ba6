package conversation

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Message is one line of a conversation: plain text, shown escaped.
type Message struct {
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
	MaxLength  = 4000 // characters in one message
	PerMinute  = 20   // messages one person sends a minute
	PageLength = 30   // messages shown at once, older ones on scrolling up
)

// Page reads up to PageLength messages of a conversation before the id
// given (0: the newest), oldest first.
func (s *Service) Page(ctx context.Context, c *Conversation, before int64) ([]Message, error) {
	var list []Message
	q := s.db.DB().NewSelect().Model(&list).Where("organisation_id = ? AND conversation_id = ?", c.OrganisationID, c.ID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	if err := q.Order("id DESC").Limit(PageLength).Scan(ctx); err != nil {
		return nil, err
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, nil
}

// SentSince counts the messages a person sent in the organisation since a
// moment, for the limit per minute.
func (s *Service) SentSince(ctx context.Context, orgID, author int64, since time.Time) (int, error) {
	n, err := s.db.DB().NewSelect().Model((*Message)(nil)).Where("organisation_id = ? AND author_id = ? AND created_at > ?", orgID, author, since).Count(ctx)
	return int(n), err
}

// Count counts a conversation's messages.
func (s *Service) Count(ctx context.Context, c *Conversation) (int, error) {
	n, err := s.db.DB().NewSelect().Model((*Message)(nil)).Where("organisation_id = ? AND conversation_id = ?", c.OrganisationID, c.ID).Count(ctx)
	return int(n), err
}

// Keep stores a message and makes it the conversation's latest.
func (s *Service) Keep(ctx context.Context, c *Conversation, m *Message) error {
	return s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model(c).Set("last_at = ?", m.CreatedAt).WherePK().Exec(ctx)
		return err
	})
}

// Own reads one of the person's own messages that is not deleted, with its
// conversation; anyone else's is ErrNotFound.
func (s *Service) Own(ctx context.Context, orgID, author, id int64) (*Message, *Conversation, error) {
	m := &Message{}
	err := s.db.DB().NewSelect().Model(m).Where("id = ? AND organisation_id = ? AND author_id = ? AND deleted_at IS NULL", id, orgID, author).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	c := &Conversation{}
	if err := s.db.DB().NewSelect().Model(c).Where("id = ? AND organisation_id = ?", m.ConversationID, orgID).Scan(ctx); err != nil {
		return nil, nil, err
	}
	return m, c, nil
}

// Edit changes a message's text; it shows as edited.
func (s *Service) Edit(ctx context.Context, m *Message, body string, now time.Time) error {
	now = now.UTC()
	if _, err := s.db.DB().NewUpdate().Model(m).Set("body = ?, edited_at = ?", body, now).WherePK().Exec(ctx); err != nil {
		return err
	}
	m.Body, m.EditedAt = body, &now
	return nil
}

// Delete empties a message; it shows as deleted, not what it said.
func (s *Service) Delete(ctx context.Context, m *Message, now time.Time) error {
	now = now.UTC()
	if _, err := s.db.DB().NewUpdate().Model(m).Set("body = '', deleted_at = ?", now).WherePK().Exec(ctx); err != nil {
		return err
	}
	m.Body, m.DeletedAt = "", &now
	return nil
}
