// Package booking owns the appointments (agenda_appointments): sessions
// booked with a coach for a coachee's dossier and trajectory, from their
// booking through moves to their outcome, and what a coach's time is
// taken by when free slots are computed.
//
// Writes take the coach's lock (hours.Lock) and log the appointment's
// change for calendar apps (synclog.Touch) in their transaction.
//
// Example usage:
//
//	s := booking.New(m) // the module, before sdk.Serve
//	a, err := s.Book(r.Context, booking.Booking{OrgID: r.OrganisationID(), …})
//	if errors.Is(err, booking.ErrTaken) { … }
package booking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/agenda/internal/synclog"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Appointment statuses: planned until the coach marks it held or missed
// (no-show), or someone cancels it.
const (
	StatusPlanned   = "planned"
	StatusHeld      = "held"
	StatusNoShow    = "no_show"
	StatusCancelled = "cancelled"
)

// Appointment is a session booked with a coach, for a coachee's dossier
// and trajectory. UID never changes; Sequence rises at every change, as
// calendar programs expect of an event.
type Appointment struct {
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
func (a Appointment) Minutes() int { return int(a.EndsAt.Sub(a.StartsAt) / time.Minute) }

// Ahead tells whether the appointment is still to come.
func (a Appointment) Ahead(now time.Time) bool {
	return a.Status == StatusPlanned && a.StartsAt.After(now)
}

// ObjectName is an appointment's name in its coach's calendar.
func (a Appointment) ObjectName() string { return a.UID + ".ics" }

var (
	// ErrNotFound is an appointment that is not there, or not the person's.
	ErrNotFound = fmt.Errorf("agenda: no such appointment: %w", sdk.ErrNotFound)
	// ErrTaken: the time is no longer free (someone else booked it, or the
	// coach's hours changed).
	ErrTaken = errors.New("agenda: that time is not free")
	// ErrClosed: the appointment is no longer planned.
	ErrClosed = errors.New("agenda: the appointment is not planned")
	// ErrStale: the appointment changed since it was read (its sequence
	// moved): two changes at once, of which the later would undo the
	// other unseen.
	ErrStale = errors.New("agenda: the appointment changed since it was read")
)

// Service books, moves and settles appointments, and reads them.
type Service struct{ db sdk.Database }

// New is the service on the module's database.
func New(db sdk.Database) *Service { return &Service{db: db} }

// Booking is what a new appointment needs.
type Booking struct {
	OrgID, CoachID, CoacheeID, DossierID, TrajectoryID, BookedBy int64
	Type                                                         hours.SessionType
	Zone                                                         *time.Location // the coach's
	Start                                                        time.Time
	Theme                                                        string
	Now                                                          time.Time
}

// Book creates the appointment when its time is one of the coach's free
// slots (else ErrTaken). Bookings of one coach are taken one at a time:
// the transaction first locks the coach (hours.Lock), so the second of two
// bookings sees the first; the unique index on planned appointments per
// coach and start backs that up.
func (s *Service) Book(ctx context.Context, b Booking) (*Appointment, error) {
	var a *Appointment
	err := s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
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
		a = &Appointment{OrganisationID: b.OrgID, UID: uid, CoachID: b.CoachID, CoacheeID: b.CoacheeID, DossierID: b.DossierID,
			TrajectoryID: b.TrajectoryID, SessionType: b.Type.Name, StartsAt: slot.Start, EndsAt: slot.End, Mode: mode(slot.Place), Place: slot.Place,
			Theme: b.Theme, Status: StatusPlanned, BookedBy: b.BookedBy, CreatedAt: b.Now.UTC(), UpdatedAt: b.Now.UTC()}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return err
		}
		_, err = synclog.Touch(ctx, tx, a.OrganisationID, a.CoachID, a.ObjectName())
		return err
	})
	if err != nil && uniqueViolation(err) {
		return nil, ErrTaken
	}
	return a, err
}

// Move gives a planned appointment a new start among the coach's free
// slots in zone (its own time counting as free), raising its sequence. It
// keeps its length; notice and horizon do not bind the coach who moves it.
func (s *Service) Move(ctx context.Context, a *Appointment, zone *time.Location, start time.Time, reason string, now time.Time) error {
	err := s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := hours.Lock(ctx, tx, a.OrganisationID, a.CoachID); err != nil {
			return err
		}
		session := availability.Session{Duration: a.EndsAt.Sub(a.StartsAt)}
		slot, err := freeSlot(ctx, tx, a.OrganisationID, a.CoachID, zone, session, start, now, a.ID)
		if err != nil {
			return err
		}
		return update(ctx, tx, a, now, "starts_at = ?, ends_at = ?, place = ?, mode = ?, reason = ?", slot.Start, slot.End, slot.Place, mode(slot.Place), reason)
	})
	if err != nil && uniqueViolation(err) {
		return ErrTaken
	}
	return err
}

// Reschedule gives a planned appointment a new time its coach chose in
// their calendar app: their own hours do not bind them, but it may not
// overlap another appointment of theirs (ErrTaken).
func (s *Service) Reschedule(ctx context.Context, a *Appointment, start, end time.Time, reason string, now time.Time) error {
	err := s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := hours.Lock(ctx, tx, a.OrganisationID, a.CoachID); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*Appointment)(nil)).
			Where("organisation_id = ? AND coach_id = ? AND status <> ? AND id <> ? AND starts_at < ? AND ends_at > ?", a.OrganisationID, a.CoachID, StatusCancelled, a.ID, end.UTC(), start.UTC()).
			Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrTaken
		}
		return update(ctx, tx, a, now, "starts_at = ?, ends_at = ?, reason = ?", start.UTC(), end.UTC(), reason)
	})
	if err != nil && uniqueViolation(err) {
		return ErrTaken
	}
	return err
}

// Settle sets a planned appointment's outcome: held, no-show or cancelled
// (with a reason), raising its sequence.
func (s *Service) Settle(ctx context.Context, a *Appointment, status, reason string, now time.Time) error {
	return s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return update(ctx, tx, a, now, "status = ?, reason = ?", status, reason)
	})
}

// SetTheme sets what a session is about ("" for nothing in particular).
func (s *Service) SetTheme(ctx context.Context, a *Appointment, theme string, now time.Time) error {
	return s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model(a).Set("theme = ?, updated_at = ?", theme, now.UTC()).Where("id = ? AND organisation_id = ?", a.ID, a.OrganisationID).Exec(ctx); err != nil {
			return err
		}
		_, err := synclog.Touch(ctx, tx, a.OrganisationID, a.CoachID, a.ObjectName())
		return err
	})
}

// update sets columns of a planned appointment as it was read (ErrClosed
// when it is no longer planned, ErrStale when it changed since), raises
// its sequence, tells calendar apps and reads it back into a.
func update(ctx context.Context, tx bun.Tx, a *Appointment, now time.Time, set string, args ...any) error {
	res, err := tx.NewUpdate().Model(a).Set(set, args...).Set("sequence = sequence + 1, updated_at = ?", now.UTC()).
		Where("id = ? AND organisation_id = ? AND status = ? AND sequence = ?", a.ID, a.OrganisationID, StatusPlanned, a.Sequence).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var status string
		if err := tx.NewSelect().Model((*Appointment)(nil)).Column("status").Where("id = ? AND organisation_id = ?", a.ID, a.OrganisationID).Scan(ctx, &status); err != nil {
			return err
		}
		if status != StatusPlanned {
			return ErrClosed
		}
		return ErrStale
	}
	if _, err := synclog.Touch(ctx, tx, a.OrganisationID, a.CoachID, a.ObjectName()); err != nil {
		return err
	}
	return tx.NewSelect().Model(a).WherePK().Scan(ctx)
}

// freeSlot is the free slot that starts at start, or ErrTaken.
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
	return availability.Slot{}, ErrTaken
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
