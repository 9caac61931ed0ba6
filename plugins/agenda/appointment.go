package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/agenda/internal/synclog"
)

// Appointment statuses: planned until the coach marks it held or missed
// (no-show), or someone cancels it.
const (
	statusPlanned   = "planned"
	statusHeld      = "held"
	statusNoShow    = "no_show"
	statusCancelled = "cancelled"
)

// appointment is a session booked with a coach, for a coachee's dossier
// and trajectory. UID never changes; Sequence rises at every change, as
// calendar programs expect of an event.
type appointment struct {
	bun.BaseModel  `bun:"table:agenda_appointments"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	UID            string    `bun:"uid,notnull"`
	Sequence       int       `bun:"sequence,notnull"`
	CoachID        int64     `bun:"coach_id,notnull"`
	CoacheeID      int64     `bun:"coachee_id,notnull"`
	DossierID      int64     `bun:"dossier_id,notnull"`
	TrajectoryID   int64     `bun:"trajectory_id,notnull"`
	SessionType    string    `bun:"session_type,notnull"`
	StartsAt       time.Time `bun:"starts_at,notnull"`
	EndsAt         time.Time `bun:"ends_at,notnull"`
	Mode           string    `bun:"mode,notnull"` // "online" or "live"
	Place          string    `bun:"place,notnull"`
	Theme          string    `bun:"theme,notnull"`
	Status         string    `bun:"status,notnull"`
	Reason         string    `bun:"reason,notnull"` // why it was cancelled or last moved
	BookedBy       int64     `bun:"booked_by,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
	UpdatedAt      time.Time `bun:"updated_at,notnull"`
}

// Minutes is the appointment's duration.
func (a appointment) Minutes() int { return int(a.EndsAt.Sub(a.StartsAt) / time.Minute) }

// objectName is an appointment's name in its coach's calendar.
func (a appointment) objectName() string { return a.UID + ".ics" }

// Ahead tells whether the appointment is still to come.
func (a appointment) Ahead(now time.Time) bool {
	return a.Status == statusPlanned && a.StartsAt.After(now)
}

var (
	// errTaken: the time is no longer free (someone else booked it, or the
	// coach's hours changed).
	errTaken = errors.New("agenda: that time is not free")
	// errClosed: the appointment is no longer planned.
	errClosed = errors.New("agenda: the appointment is not planned")
	// errStale: the appointment changed since it was read (its sequence
	// moved): two changes at once, of which the later would undo the
	// other unseen.
	errStale = errors.New("agenda: the appointment changed since it was read")
)

// booking is what a new appointment needs.
type booking struct {
	OrgID, CoachID, CoacheeID, DossierID, TrajectoryID, BookedBy int64
	Type                                                         hours.SessionType
	Zone                                                         *time.Location // the coach's
	Start                                                        time.Time
	Theme                                                        string
	Now                                                          time.Time
}

// book creates the appointment when its time is one of the coach's free
// slots. Bookings of one coach are taken one at a time: the transaction
// first writes the coach's settings row, which holds a row lock on
// PostgreSQL (SQLite takes the database's write lock at BEGIN), so the
// second of two bookings sees the first; the unique index on planned
// appointments per coach and start backs that up.
func book(ctx context.Context, db *bun.DB, b booking) (*appointment, error) {
	var a *appointment
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := hours.Lock(ctx, tx, b.OrgID, b.CoachID); err != nil {
			return err
		}
		slot, err := freeSlot(ctx, tx, b.OrgID, b.CoachID, b.Zone, b.Type.Session(), b.Start, b.Now, 0)
		if err != nil {
			return err
		}
		uid, err := newUID()
		if err != nil {
			return err
		}
		a = &appointment{OrganisationID: b.OrgID, UID: uid, CoachID: b.CoachID, CoacheeID: b.CoacheeID, DossierID: b.DossierID,
			TrajectoryID: b.TrajectoryID, SessionType: b.Type.Name, StartsAt: slot.Start, EndsAt: slot.End, Mode: mode(slot.Place), Place: slot.Place,
			Theme: b.Theme, Status: statusPlanned, BookedBy: b.BookedBy, CreatedAt: b.Now.UTC(), UpdatedAt: b.Now.UTC()}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return err
		}
		_, err = synclog.Touch(ctx, tx, a.OrganisationID, a.CoachID, a.objectName())
		return err
	})
	if err != nil && uniqueViolation(err) {
		return nil, errTaken
	}
	return a, err
}

// move gives a planned appointment a new start among the coach's free
// slots (its own time counting as free), raising its sequence.
func move(ctx context.Context, db *bun.DB, a *appointment, t hours.SessionType, zone *time.Location, start time.Time, reason string, now time.Time) error {
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := hours.Lock(ctx, tx, a.OrganisationID, a.CoachID); err != nil {
			return err
		}
		// Moving keeps the appointment's own length; notice and horizon do
		// not bind the coach who moves it.
		s := t.Session()
		s.Duration, s.MinNotice, s.MaxAhead, s.DailyMax = a.EndsAt.Sub(a.StartsAt), 0, 0, 0
		slot, err := freeSlot(ctx, tx, a.OrganisationID, a.CoachID, zone, s, start, now, a.ID)
		if err != nil {
			return err
		}
		return update(ctx, tx, a, now, "starts_at = ?, ends_at = ?, place = ?, mode = ?, reason = ?", slot.Start, slot.End, slot.Place, mode(slot.Place), reason)
	})
	if err != nil && uniqueViolation(err) {
		return errTaken
	}
	return err
}

// settle sets a planned appointment's outcome: held, no-show or cancelled
// (with a reason), raising its sequence.
func settle(ctx context.Context, db *bun.DB, a *appointment, status, reason string, now time.Time) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return update(ctx, tx, a, now, "status = ?, reason = ?", status, reason)
	})
}

// update sets columns of a planned appointment as it was read (errClosed
// when it is no longer planned, errStale when it changed since), raises
// its sequence, tells calendar apps and reads it back into a.
func update(ctx context.Context, tx bun.Tx, a *appointment, now time.Time, set string, args ...any) error {
	res, err := tx.NewUpdate().Model(a).Set(set, args...).Set("sequence = sequence + 1, updated_at = ?", now.UTC()).
		Where("id = ? AND organisation_id = ? AND status = ? AND sequence = ?", a.ID, a.OrganisationID, statusPlanned, a.Sequence).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var status string
		if err := tx.NewSelect().Model((*appointment)(nil)).Column("status").Where("id = ? AND organisation_id = ?", a.ID, a.OrganisationID).Scan(ctx, &status); err != nil {
			return err
		}
		if status != statusPlanned {
			return errClosed
		}
		return errStale
	}
	if _, err := synclog.Touch(ctx, tx, a.OrganisationID, a.CoachID, a.objectName()); err != nil {
		return err
	}
	return tx.NewSelect().Model(a).WherePK().Scan(ctx)
}

// freeSlot is the free slot that starts at start, or errTaken.
func freeSlot(ctx context.Context, db bun.IDB, orgID, coachID int64, zone *time.Location, s availability.Session, start, now time.Time, skip int64) (availability.Slot, error) {
	from, to := start, start.Add(s.Duration)
	coach, err := load(ctx, db, orgID, coachID, zone, from, to, skip)
	if err != nil {
		return availability.Slot{}, err
	}
	// Moving may choose any start in free time, not only the grid's.
	if skip != 0 {
		s.Step = time.Minute
	}
	for _, slot := range availability.Free(coach, s, from, to, now) {
		if slot.Start.Equal(start) {
			return slot, nil
		}
	}
	return availability.Slot{}, errTaken
}

// mode is "online" for online sessions and "live" for the rest.
func mode(place string) string {
	if strings.EqualFold(place, "online") {
		return "online"
	}
	return "live"
}

// newUID is an event UID that no other calendar shares.
func newUID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b) + "@atrium", nil
}

// uniqueViolation tells whether err is a unique constraint's refusal, on
// SQLite or PostgreSQL.
func uniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "23505") || strings.Contains(s, "duplicate key")
}

// reschedule gives a planned appointment a new time its coach chose in
// their calendar app: their own hours do not bind them, but it may not
// overlap another appointment of theirs.
func reschedule(ctx context.Context, db *bun.DB, a *appointment, start, end time.Time, reason string, now time.Time) error {
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := hours.Lock(ctx, tx, a.OrganisationID, a.CoachID); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*appointment)(nil)).
			Where("organisation_id = ? AND coach_id = ? AND status <> ? AND id <> ? AND starts_at < ? AND ends_at > ?", a.OrganisationID, a.CoachID, statusCancelled, a.ID, end.UTC(), start.UTC()).
			Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return errTaken
		}
		return update(ctx, tx, a, now, "starts_at = ?, ends_at = ?, reason = ?", start.UTC(), end.UTC(), reason)
	})
	if err != nil && uniqueViolation(err) {
		return errTaken
	}
	return err
}
