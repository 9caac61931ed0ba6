// Package readstate owns what is new to whom: the items of a dossier (a
// trajectory, a message, a document — core and plugins alike) and each
// person's marks on them. An item is new (a red dot) to everyone but its
// author until they open it or mark it read (green); they can mark it new
// again. Because the core knows every item, it can tell a coach how much is
// new in each of their dossiers without asking every module.
package readstate

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Item is one thing in a dossier that can be new to someone.
type Item struct {
	bun.BaseModel `bun:"table:dossier_items"`

	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	DossierID      int64     `bun:"dossier_id,notnull"`
	Kind           string    `bun:"kind,notnull"` // "trajectory", or "<plugin>.<kind>"
	Ref            string    `bun:"ref,notnull"`  // the item's id within its kind
	AuthorID       *int64    `bun:"author_id"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// mark says one person has read one item.
type mark struct {
	bun.BaseModel `bun:"table:read_marks"`

	UserID int64     `bun:"user_id,pk"`
	ItemID int64     `bun:"item_id,pk"`
	ReadAt time.Time `bun:"read_at,notnull"`
}

// Service keeps items and marks.
type Service struct{ db *store.DB }

// NewService returns the read-state service.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// Add records a new item in the caller's transaction; its author has read it.
func Add(ctx context.Context, db bun.IDB, it *Item) error {
	it.CreatedAt = time.Now().UTC()
	if _, err := db.NewInsert().Model(it).Exec(ctx); err != nil {
		return err
	}
	if it.AuthorID == nil {
		return nil
	}
	_, err := db.NewInsert().Model(&mark{UserID: *it.AuthorID, ItemID: it.ID, ReadAt: it.CreatedAt}).Exec(ctx)
	return err
}

// Read tells, for the refs of one kind in a dossier, which the person has
// read; refs without an item count as read (nothing new to show).
func (s *Service) Read(ctx context.Context, userID, dossierID int64, kind string, refs []string) (map[string]bool, error) {
	out := make(map[string]bool, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	var rows []struct {
		Ref  string `bun:"ref"`
		Read bool   `bun:"is_read"`
	}
	err := s.db.NewSelect().TableExpr("dossier_items AS i").
		ColumnExpr("i.ref, CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END AS is_read").
		Join("LEFT JOIN read_marks AS m ON m.item_id = i.id AND m.user_id = ?", userID).
		Where("i.dossier_id = ? AND i.kind = ? AND i.ref IN (?)", dossierID, kind, bun.List(refs)).Scan(ctx, &rows)
	for _, r := range refs {
		out[r] = true
	}
	for _, r := range rows {
		out[r.Ref] = r.Read
	}
	return out, err
}

// Mark records that the person read an item of a dossier (read) or wants it
// shown as new again. It reports false when the dossier has no such item.
func (s *Service) Mark(ctx context.Context, userID, dossierID int64, kind, ref string, read bool) (bool, error) {
	var itemID int64
	err := s.db.NewSelect().Model((*Item)(nil)).Column("id").Where("dossier_id = ? AND kind = ? AND ref = ?", dossierID, kind, ref).Limit(1).Scan(ctx, &itemID)
	if err != nil {
		return false, ignoreNoRows(err)
	}
	if !read {
		_, err = s.db.NewDelete().Model((*mark)(nil)).Where("user_id = ? AND item_id = ?", userID, itemID).Exec(ctx)
		return true, err
	}
	_, err = s.db.NewInsert().Model(&mark{UserID: userID, ItemID: itemID, ReadAt: time.Now().UTC()}).On("CONFLICT DO NOTHING").Exec(ctx)
	return true, err
}

// NewPerDossier counts, for each of the dossiers, the items new to the person.
func (s *Service) NewPerDossier(ctx context.Context, userID int64, dossierIDs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(dossierIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		DossierID int64 `bun:"dossier_id"`
		N         int   `bun:"n"`
	}
	err := s.db.NewSelect().TableExpr("dossier_items AS i").
		ColumnExpr("i.dossier_id, COUNT(*) AS n").
		Where("i.dossier_id IN (?)", bun.List(dossierIDs)).
		Where("NOT EXISTS (SELECT 1 FROM read_marks AS m WHERE m.item_id = i.id AND m.user_id = ?)", userID).
		GroupExpr("i.dossier_id").Scan(ctx, &rows)
	for _, r := range rows {
		out[r.DossierID] = r.N
	}
	return out, err
}

// NewPerKind counts the items new to the person in one dossier, per kind,
// for the cards' badges.
func (s *Service) NewPerKind(ctx context.Context, userID, dossierID int64) (map[string]int, error) {
	out := map[string]int{}
	var rows []struct {
		Kind string `bun:"kind"`
		N    int    `bun:"n"`
	}
	err := s.db.NewSelect().TableExpr("dossier_items AS i").
		ColumnExpr("i.kind, COUNT(*) AS n").
		Where("i.dossier_id = ?", dossierID).
		Where("NOT EXISTS (SELECT 1 FROM read_marks AS m WHERE m.item_id = i.id AND m.user_id = ?)", userID).
		GroupExpr("i.kind").Scan(ctx, &rows)
	for _, r := range rows {
		out[r.Kind] = r.N
	}
	return out, err
}

// ignoreNoRows makes "no such item" a plain false rather than an error.
func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// DB is where items are kept, for adding one outside a change's transaction.
func (s *Service) DB() bun.IDB { return s.db }
