// Package announcement owns an organisation's announcements: short notices
// (title, text, date) that everyone in it sees on the start page.
package announcement

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
)

// Module is the module id of announcements.
const Module = "announcements"

// Announcement is one notice.
type Announcement struct {
	bun.BaseModel `bun:"table:announcements"`

	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	AuthorID       int64     `bun:"author_id,notnull"`
	Title          string    `bun:"title,notnull"`
	Body           string    `bun:"body,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Service keeps announcements.
type Service struct {
	db       *store.DB
	announce Announcer
}

// Announcer tells the organisation's people that an announcement was
// posted, in the transaction ctx carries; the core's notify package is one.
type Announcer interface {
	Announced(ctx context.Context, a *Announcement) error
}

// NewService returns the announcement service; announce tells people (nil
// sends nothing).
func NewService(db *store.DB, announce Announcer) *Service {
	return &Service{db: db, announce: announce}
}

// Invalid names refused fields with message ids.
type Invalid = refusal.Fields

// Post publishes an announcement in an organisation.
func (s *Service) Post(ctx context.Context, orgID, authorID int64, title, body string) (*Announcement, error) {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	inv := &Invalid{Fields: map[string]string{}}
	if title == "" || len([]rune(title)) > 120 {
		inv.Fields["title"] = "announcement.error.title"
	}
	if body == "" || len([]rune(body)) > 5000 {
		inv.Fields["body"] = "announcement.error.body"
	}
	if len(inv.Fields) > 0 {
		return nil, inv
	}
	a := &Announcement{OrganisationID: orgID, AuthorID: authorID, Title: title, Body: body, CreatedAt: time.Now().UTC()}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		if _, err := s.db.In(ctx).NewInsert().Model(a).Exec(ctx); err != nil {
			return err
		}
		if s.announce != nil {
			return s.announce.Announced(ctx, a)
		}
		return nil
	})
	return a, err
}

// Recent lists the newest announcements of an organisation.
func (s *Service) Recent(ctx context.Context, orgID int64, limit int) ([]Announcement, error) {
	var list []Announcement
	err := s.db.NewSelect().Model(&list).Where("organisation_id = ?", orgID).Order("id DESC").Limit(int64(limit)).Scan(ctx)
	return list, err
}

// NewCount counts announcements posted since a moment.
func (s *Service) NewCount(ctx context.Context, orgID, _ int64, since time.Time) (int, error) {
	n, err := s.db.NewSelect().Model((*Announcement)(nil)).Where("organisation_id = ?", orgID).Where("created_at > ?", since.UTC()).Count(ctx)
	return int(n), err
}

// Migrations are the schema changes announcement owns.
func Migrations() []store.Migration {
	type announcement struct {
		bun.BaseModel  `bun:"table:announcements"`
		ID             int64     `bun:"id,pk,autoincrement"`
		OrganisationID int64     `bun:"organisation_id,notnull"`
		AuthorID       int64     `bun:"author_id,notnull"`
		Title          string    `bun:"title,notnull"`
		Body           string    `bun:"body,notnull"`
		CreatedAt      time.Time `bun:"created_at,notnull"`
	}
	return []store.Migration{{
		Name: "20261130131500_announcements",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*announcement)(nil)).ForeignKey("(organisation_id) REFERENCES organisations (id) ON DELETE CASCADE").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*announcement)(nil)).Index("announcements_org").Column("organisation_id", "id").Exec(ctx)
			return err
		},
		Down: store.DropTables((*announcement)(nil)),
	}}
}
