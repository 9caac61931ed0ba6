// Package audit owns the audit log: who did what to whom, when and from where.
// Entries are written in the transaction of the change they record.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Event is one entry.
type Event struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID *int64    `bun:"organisation_id"` // nil: the platform or a person's own account
	ActorID        *int64    `bun:"actor_id"`        // nil: the system or an anonymous visitor
	SubjectID      *int64    `bun:"subject_id"`      // the person acted upon
	Action         string    `bun:"action,notnull"`
	IP             string    `bun:"ip,notnull"`
	Detail         string    `bun:"detail,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Service writes and reads the log outside a change's transaction.
type Service struct{ db *store.DB }

// NewService returns the audit service.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// Note records what the context's actor did, as the package's Note, in
// the transaction ctx carries or on its own.
func (s *Service) Note(ctx context.Context, orgID int64, action string, subject int64, detail string) error {
	return Note(ctx, s.db.In(ctx), orgID, action, subject, detail)
}

// Record writes an event on its own.
func (s *Service) Record(ctx context.Context, e Event) error { return Record(ctx, s.db, e) }

// InOrganisations lists the newest events of a set of organisations.
func (s *Service) InOrganisations(ctx context.Context, orgIDs []int64, f Filter) ([]Event, error) {
	return InOrganisations(ctx, s.db, orgIDs, f)
}

// Record writes an event through db (the change's transaction, or the database).
func Record(ctx context.Context, db bun.IDB, e Event) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	if _, err := db.NewInsert().Model(&e).Exec(ctx); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// For lists the newest events about or by a person.
func For(ctx context.Context, db bun.IDB, userID int64, limit int) ([]Event, error) {
	var list []Event
	err := db.NewSelect().Model(&list).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("subject_id = ?", userID).WhereOr("actor_id = ?", userID)
		}).Order("id DESC").Limit(int64(limit)).Scan(ctx)
	return list, err
}

// Filter narrows the organisation's log.
type Filter struct {
	Area     string // action prefix such as "organisation" or "people"; "" for all
	From, To time.Time
	Limit    int
}

// InOrganisations lists the newest events of a set of organisations.
func InOrganisations(ctx context.Context, db bun.IDB, orgIDs []int64, f Filter) ([]Event, error) {
	var list []Event
	q := db.NewSelect().Model(&list).Where("organisation_id IN (?)", bun.List(orgIDs))
	if f.Area != "" {
		q = q.Where("action LIKE ?", f.Area+".%")
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	if f.Limit == 0 {
		f.Limit = 200
	}
	err := q.Order("id DESC").Limit(int64(f.Limit)).Scan(ctx)
	return list, err
}

// Migrations are the schema changes audit owns.
func Migrations() []store.Migration {
	type event struct {
		bun.BaseModel `bun:"table:audit_events"`
		ID            int64     `bun:"id,pk,autoincrement"`
		OrgID         *int64    `bun:"organisation_id"`
		ActorID       *int64    `bun:"actor_id"`
		SubjectID     *int64    `bun:"subject_id"`
		Action        string    `bun:"action,notnull"`
		IP            string    `bun:"ip,notnull"`
		Detail        string    `bun:"detail,notnull"`
		CreatedAt     time.Time `bun:"created_at,notnull"`
	}
	return []store.Migration{{
		Name: "20261130110000_audit_events",
		Up: func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewCreateTable().Model((*event)(nil)).Exec(ctx); err != nil {
				return err
			}
			if _, err := tx.NewCreateIndex().Model((*event)(nil)).Index("audit_events_subject").Column("subject_id", "id").Exec(ctx); err != nil {
				return err
			}
			_, err := tx.NewCreateIndex().Model((*event)(nil)).Index("audit_events_org").Column("organisation_id", "id").Exec(ctx)
			return err
		},
		Down: store.DropTables((*event)(nil)),
	}}
}
