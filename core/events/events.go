// Package events owns the installation's log of what happened: each event
// (a dossier registered, a trajectory closed, a note a plugin added) is a
// row written in the same transaction as the change it tells of, so it
// exists exactly when the change does. Subscribers (plugins) read the log
// in order per organisation from where they stopped, each delivery at
// least once, with retries; several instances share the work through
// claims, and a subscriber that starts late may read the whole history.
package events

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Event is one thing that happened in an organisation.
type Event struct {
	bun.BaseModel `bun:"table:events"`

	// ID orders the log; a subscriber's handler may use it to do its work
	// once (at least once means sometimes twice).
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	Source         string    `bun:"source,notnull"` // "core" or the plugin that emitted it
	Name           string    `bun:"name,notnull"`   // "<source>.<what>", such as dossier.registered
	Payload        []byte    `bun:"payload,notnull"`
	ActorID        *int64    `bun:"actor_id"` // who caused it, when someone did
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// MaxPayload bounds an event's payload: events say what happened and name
// the rows; they do not carry documents.
const MaxPayload = 64 << 10

// ErrPayload is a payload larger than MaxPayload.
var ErrPayload = errors.New("events: a payload is at most 64 KiB")

// Log is the installation's event log.
type Log struct {
	db *store.DB
	// woken tells this instance's deliverer that something was written.
	woken chan struct{}
}

// NewLog returns the log on db.
func NewLog(db *store.DB) *Log { return &Log{db: db, woken: make(chan struct{}, 1)} }

// Emit writes an event in ctx's transaction (store.Tx), so it is kept
// exactly when the work around it commits. actor is 0 for none.
func (l *Log) Emit(ctx context.Context, orgID, actor int64, source, name string, payload []byte) error {
	if len(payload) > MaxPayload {
		return ErrPayload
	}
	if payload == nil {
		payload = []byte{}
	}
	e := &Event{OrganisationID: orgID, Source: source, Name: name, Payload: payload, CreatedAt: time.Now().UTC()}
	if actor != 0 {
		e.ActorID = &actor
	}
	err := l.db.Tx(ctx, func(ctx context.Context) error {
		// An event's id is taken when it is written but seen when its
		// transaction commits: two writers of one organisation's events
		// take turns, so that they commit in the order of their ids and a
		// reader past one never finds an earlier one appear behind it.
		// (SQLite's writers take turns anyway.)
		if l.db.Kind == "postgres" {
			if _, err := l.db.In(ctx).ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, ?)", lockClass, orgID); err != nil {
				return err
			}
		}
		_, err := l.db.In(ctx).NewInsert().Model(e).Exec(ctx)
		return err
	})
	if err != nil {
		return err
	}
	l.Wake()
	return nil
}

// lockClass is the first key of the log's advisory locks.
const lockClass = 0x6576 // "ev"

// Wake tells this instance's deliverer to look now rather than at its next
// round (an event written, a plugin back).
func (l *Log) Wake() {
	select {
	case l.woken <- struct{}{}:
	default:
	}
}

// Woken is signalled after Wake.
func (l *Log) Woken() <-chan struct{} { return l.woken }

// After gives up to limit of an organisation's events with the names
// given, after position, oldest first.
func (l *Log) After(ctx context.Context, orgID, position int64, names []string, limit int) ([]Event, error) {
	var out []Event
	err := l.db.NewSelect().Model(&out).Where("organisation_id = ? AND id > ? AND name IN (?)", orgID, position, bun.List(names)).
		Order("id").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// cleanText is an error's text as a column keeps it: valid UTF-8, no NUL
// (which the databases refuse), at most 500 bytes, cut at a character.
func cleanText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "?"), "\x00", "")
	if len(s) <= 500 {
		return s
	}
	cut := 500
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// Newest is the log's last event id (0 when empty).
func (l *Log) Newest(ctx context.Context) (int64, error) {
	var id int64
	err := l.db.NewSelect().Model((*Event)(nil)).ColumnExpr("COALESCE(MAX(id), 0)").Scan(ctx, &id)
	return id, err
}

// Purge removes the events written before the cutoff, a thousand at a
// time; it tells how many went.
func (l *Log) Purge(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := l.db.NewDelete().Model((*Event)(nil)).
			Where("id IN (?)", l.db.NewSelect().Model((*Event)(nil)).Column("id").Where("created_at < ?", before.UTC()).Order("id").Limit(1000)).Exec(ctx)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
