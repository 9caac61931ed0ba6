package main

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// davChange records that an object of a coach's calendar changed (or went),
// so that calendar apps syncing with a token fetch only what changed. The
// largest id is the calendar's sync token and ctag.
type davChange struct {
	bun.BaseModel  `bun:"table:agenda_dav_changes"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	CoachID        int64     `bun:"coach_id,notnull"`
	Name           string    `bun:"name,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
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
// of the change.
func touch(ctx context.Context, db bun.IDB, orgID, coachID int64, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	rows := make([]davChange, 0, len(names))
	now := time.Now().UTC()
	for _, n := range names {
		rows = append(rows, davChange{OrganisationID: orgID, CoachID: coachID, Name: n, CreatedAt: now})
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return err
}

// objectName is an appointment's name in its coach's calendar.
func (a appointment) objectName() string { return a.UID + ".ics" }
