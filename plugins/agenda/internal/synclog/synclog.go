// Package synclog keeps the log of what changed in each coach's calendar
// (agenda_dav_changes), which calendar apps sync by: every change of an
// object gets the next number of its calendar, and the largest is the
// calendar's sync token and ctag. It keeps the calendar's state beside it
// (agenda_dav_calendars) and the open-hours objects apps were last told of
// (agenda_dav_open), since open hours are computed, not written.
//
// Every function takes the database or a transaction (db): a change is
// logged in the transaction that makes it.
//
// Example usage:
//
//	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
//		// … change the appointment, then:
//		_, err := synclog.Touch(ctx, tx, orgID, coachID, a.ObjectName())
//		return err
//	})
package synclog

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// Change records that an object of a coach's calendar changed (or went),
// so that calendar apps syncing with a token fetch only what changed. Seq
// numbers one coach's changes: the largest is the calendar's sync token
// and ctag. (It was the table's id, shared by every calendar: a coach saw
// from their token how much everyone else changed.)
type Change struct {
	bun.BaseModel  `bun:"table:agenda_dav_changes"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	CoachID        int64     `bun:"coach_id,notnull"`
	Seq            int64     `bun:"seq,notnull"`
	Name           string    `bun:"name,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Calendar is a coach's calendar as apps see it: the number of its last
// change, and what its open hours were last computed from (their inputs,
// see Stamp), so that a sync computes them again only when that changed.
type Calendar struct {
	bun.BaseModel  `bun:"table:agenda_dav_calendars"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	CoachID        int64  `bun:"coach_id,pk"`
	LastChange     int64  `bun:"last_change,notnull"`
	OpenInputs     string `bun:"open_inputs,notnull"`
}

// Open is the last open-hours object a calendar app was told of, with its
// etag: open hours come from weekly hours and changes, so their changes
// are found by comparing (Reconcile).
type Open struct {
	bun.BaseModel  `bun:"table:agenda_dav_open"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	CoachID        int64  `bun:"coach_id,pk"`
	Name           string `bun:"name,pk"`
	ETag           string `bun:"etag,notnull"`
}

// Touch records changed objects of a coach's calendar, in the transaction
// of the change, and says the number of the last. The calendar's row is
// updated first: on PostgreSQL its lock keeps two changes at once from
// taking the same number.
func Touch(ctx context.Context, db bun.IDB, orgID, coachID int64, names ...string) (int64, error) {
	if len(names) == 0 {
		return 0, nil
	}
	var last int64
	err := db.NewInsert().Model(&Calendar{OrganisationID: orgID, CoachID: coachID, LastChange: int64(len(names))}).
		On("CONFLICT (organisation_id, coach_id) DO UPDATE").Set("last_change = ?TableAlias.last_change + EXCLUDED.last_change").
		Returning("last_change").Scan(ctx, &last)
	if err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	seq := last - int64(len(names))
	for len(names) > 0 {
		batch := names[:min(len(names), 500)]
		names = names[len(batch):]
		rows := make([]Change, 0, len(batch))
		for _, n := range batch {
			seq++
			rows = append(rows, Change{OrganisationID: orgID, CoachID: coachID, Seq: seq, Name: n, CreatedAt: now})
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return 0, err
		}
	}
	return last, nil
}

// State is a coach's calendar's row, the zero one before its first change.
func State(ctx context.Context, db bun.IDB, orgID, coachID int64) (Calendar, error) {
	c := Calendar{OrganisationID: orgID, CoachID: coachID}
	err := db.NewSelect().Model(&c).WherePK().Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return c, err
}

// Since is the calendar's log after since, in order.
func Since(ctx context.Context, db bun.IDB, orgID, coachID, since int64) ([]Change, error) {
	var log []Change
	err := db.NewSelect().Model(&log).Column("seq", "name").
		Where("organisation_id = ? AND coach_id = ? AND seq > ?", orgID, coachID, since).Order("seq").Scan(ctx)
	return log, err
}

// Stamp is what a calendar's row keeps of the inputs its open hours were
// compared at: their digest and the log's number then.
func Stamp(inputs string, change int64) string {
	return inputs + "@" + strconv.FormatInt(change, 10)
}

// Reconcile logs the open-hours objects that appeared, changed or went
// since apps were last told (now: each one's etag, by name), remembers what
// they are told now, and stamps the calendar with the inputs they came
// from (read at the log's number seen, before they were computed). A
// change logged by someone else meanwhile leaves the stamp behind the log:
// the next sync compares again.
func Reconcile(ctx context.Context, tx bun.Tx, orgID, coachID int64, now map[string]string, inputs string, seen int64) error {
	// The calendar's row first: its lock makes syncs at once take turns,
	// and the later one finds what the first told (two wrote the same rows:
	// a duplicate key on PostgreSQL).
	if _, err := tx.NewInsert().Model(&Calendar{OrganisationID: orgID, CoachID: coachID}).
		On("CONFLICT (organisation_id, coach_id) DO UPDATE").Set("open_inputs = ?TableAlias.open_inputs").Exec(ctx); err != nil {
		return err
	}
	var told []Open
	if err := tx.NewSelect().Model(&told).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Scan(ctx); err != nil {
		return err
	}
	var changed []string
	known := map[string]bool{}
	for _, o := range told {
		known[o.Name] = true
		if etag, ok := now[o.Name]; !ok || etag != o.ETag {
			changed = append(changed, o.Name)
		}
	}
	for name := range now {
		if !known[name] {
			changed = append(changed, name)
		}
	}
	stamp := seen
	if len(changed) > 0 {
		if _, err := tx.NewDelete().Model((*Open)(nil)).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Exec(ctx); err != nil {
			return err
		}
		if len(now) > 0 {
			rows := make([]Open, 0, len(now))
			for name, etag := range now {
				rows = append(rows, Open{OrganisationID: orgID, CoachID: coachID, Name: name, ETag: etag})
			}
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return err
			}
		}
		last, err := Touch(ctx, tx, orgID, coachID, changed...)
		if err != nil {
			return err
		}
		if last == seen+int64(len(changed)) {
			stamp = last // only these changes since: the stamp may include them
		}
	}
	_, err := tx.NewInsert().Model(&Calendar{OrganisationID: orgID, CoachID: coachID, OpenInputs: Stamp(inputs, stamp)}).
		On("CONFLICT (organisation_id, coach_id) DO UPDATE").Set("open_inputs = EXCLUDED.open_inputs").Exec(ctx)
	return err
}
