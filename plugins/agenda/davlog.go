package main

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// davChange records that an object of a coach's calendar changed (or went),
// so that calendar apps syncing with a token fetch only what changed. Seq
// numbers one coach's changes: the largest is the calendar's sync token
// and ctag. (It was the table's id, shared by every calendar: a coach saw
// from their token how much everyone else changed.)
type davChange struct {
	bun.BaseModel  `bun:"table:agenda_dav_changes"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	CoachID        int64     `bun:"coach_id,notnull"`
	Seq            int64     `bun:"seq,notnull"`
	Name           string    `bun:"name,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// davCalendar is a coach's calendar as apps see it: the number of its last
// change, and what its open hours were last computed from (openInputs),
// so that a sync computes them again only when that changed.
type davCalendar struct {
	bun.BaseModel  `bun:"table:agenda_dav_calendars"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	CoachID        int64  `bun:"coach_id,pk"`
	LastChange     int64  `bun:"last_change,notnull"`
	OpenInputs     string `bun:"open_inputs,notnull"`
}

// addCalendars numbers each coach's changes on their own and keeps each
// calendar's state in a row of its own. Changes keep their ids as their
// numbers, so the tokens apps hold stay good.
func addCalendars(ctx context.Context, db *bun.DB) error {
	// A frozen copy: the table as this migration makes it.
	type calendar struct {
		bun.BaseModel  `bun:"table:agenda_dav_calendars"`
		OrganisationID int64  `bun:"organisation_id,pk"`
		CoachID        int64  `bun:"coach_id,pk"`
		LastChange     int64  `bun:"last_change,notnull"`
		OpenInputs     string `bun:"open_inputs,notnull"`
	}
	if _, err := db.NewCreateTable().Model((*calendar)(nil)).Exec(ctx); err != nil {
		return err
	}
	for _, stmt := range []string{
		"ALTER TABLE agenda_dav_changes ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
		"UPDATE agenda_dav_changes SET seq = id",
		"DROP INDEX agenda_dav_changes_by_coach",
		"CREATE INDEX agenda_dav_changes_by_seq ON agenda_dav_changes (organisation_id, coach_id, seq)",
		"INSERT INTO agenda_dav_calendars (organisation_id, coach_id, last_change, open_inputs) " +
			"SELECT organisation_id, coach_id, MAX(id), '' FROM agenda_dav_changes GROUP BY organisation_id, coach_id",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// davOpen is the last open-hours object a calendar app was told of, with
// its etag: open hours come from weekly hours and changes, so their
// changes are found by comparing (reconcileOpen).
type davOpen struct {
	bun.BaseModel  `bun:"table:agenda_dav_open"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	CoachID        int64  `bun:"coach_id,pk"`
	Name           string `bun:"name,pk"`
	ETag           string `bun:"etag,notnull"`
}

// touch records changed objects of a coach's calendar, in the transaction
// of the change, and says the number of the last. The calendar's row is
// updated first: on PostgreSQL its lock keeps two changes at once from
// taking the same number.
func touch(ctx context.Context, db bun.IDB, orgID, coachID int64, names ...string) (int64, error) {
	if len(names) == 0 {
		return 0, nil
	}
	var last int64
	err := db.NewInsert().Model(&davCalendar{OrganisationID: orgID, CoachID: coachID, LastChange: int64(len(names))}).
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
		rows := make([]davChange, 0, len(batch))
		for _, n := range batch {
			seq++
			rows = append(rows, davChange{OrganisationID: orgID, CoachID: coachID, Seq: seq, Name: n, CreatedAt: now})
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return 0, err
		}
	}
	return last, nil
}

// calendarState is a coach's calendar's row, the zero one before its
// first change.
func calendarState(ctx context.Context, db bun.IDB, orgID, coachID int64) (davCalendar, error) {
	c := davCalendar{OrganisationID: orgID, CoachID: coachID}
	err := db.NewSelect().Model(&c).WherePK().Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return c, err
}

// objectName is an appointment's name in its coach's calendar.
func (a appointment) objectName() string { return a.UID + ".ics" }
