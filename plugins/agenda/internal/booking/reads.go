package booking

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Mine reads an appointment of the organisation whose coach or coachee is
// the person; anyone else's is ErrNotFound, as if it did not exist.
func (s *Service) Mine(ctx context.Context, orgID, personID, id int64) (*Appointment, error) {
	a := &Appointment{}
	err := s.db.DB().NewSelect().Model(a).Where("id = ? AND organisation_id = ? AND (coach_id = ? OR coachee_id = ?)", id, orgID, personID, personID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return a, err
}

// ByUID is the coach's appointment of that UID, nil for none.
func (s *Service) ByUID(ctx context.Context, orgID, coachID int64, uid string) (*Appointment, error) {
	a := &Appointment{}
	err := s.db.DB().NewSelect().Model(a).Where("organisation_id = ? AND coach_id = ? AND uid = ?", orgID, coachID, uid).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return a, err
}

// NameOfUID is the name in the coach's calendar of their appointment of
// that UID, "" when there is none; db may be a transaction.
func NameOfUID(ctx context.Context, db bun.IDB, orgID, coachID int64, uid string) (string, error) {
	var list []Appointment
	if err := db.NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ? AND uid = ?", orgID, coachID, uid).Limit(1).Scan(ctx); err != nil || len(list) == 0 {
		return "", err
	}
	return list[0].ObjectName(), nil
}

// OfCoach reads the coach's appointments that overlap [from, to), by start.
func (s *Service) OfCoach(ctx context.Context, orgID, coachID int64, from, to time.Time) ([]Appointment, error) {
	return s.of(ctx, orgID, "coach_id", coachID, from, to)
}

// OfCoachee reads the coachee's appointments that overlap [from, to), by
// start.
func (s *Service) OfCoachee(ctx context.Context, orgID, coacheeID int64, from, to time.Time) ([]Appointment, error) {
	return s.of(ctx, orgID, "coachee_id", coacheeID, from, to)
}

func (s *Service) of(ctx context.Context, orgID int64, column string, personID int64, from, to time.Time) ([]Appointment, error) {
	var list []Appointment
	err := s.db.DB().NewSelect().Model(&list).Where("organisation_id = ?", orgID).Where("? = ?", bun.Ident(column), personID).
		Where("ends_at > ? AND starts_at < ?", from.UTC(), to.UTC()).Order("starts_at").Limit(1000).Scan(ctx)
	return list, err
}

// Scope narrows the appointments in a coach's calendar; the zero Scope is
// all of them.
type Scope struct {
	From, To time.Time // overlapping [From, To), when To is set
	UIDs     []string  // of these UIDs, when set
	ID       int64     // this one at Sequence, when set
	Sequence int
}

// InCalendar reads the appointments in the coach's calendar (all but
// cancelled ones) within the scope, by start.
func (s *Service) InCalendar(ctx context.Context, orgID, coachID int64, scope Scope) ([]Appointment, error) {
	var list []Appointment
	q := s.db.DB().NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ? AND status <> ?", orgID, coachID, StatusCancelled)
	if !scope.To.IsZero() {
		q = q.Where("ends_at > ? AND starts_at < ?", scope.From, scope.To)
	}
	if scope.UIDs != nil {
		q = q.Where("uid IN (?)", bun.List(scope.UIDs))
	}
	if scope.ID != 0 {
		q = q.Where("id = ? AND sequence = ?", scope.ID, scope.Sequence)
	}
	err := q.Order("starts_at").Scan(ctx)
	return list, err
}

// CoachNames are the names of the objects in one coach's calendar.
type CoachNames struct {
	CoachID int64
	Names   []string
}

// ObjectNames are the names of every appointment's object in the
// organisation's coaches' calendars, by coach; db may be a transaction.
func ObjectNames(ctx context.Context, db bun.IDB, orgID int64) ([]CoachNames, error) {
	var list []Appointment
	if err := db.NewSelect().Model(&list).Column("coach_id", "uid").Where("organisation_id = ?", orgID).Order("coach_id").Scan(ctx); err != nil {
		return nil, err
	}
	var out []CoachNames
	for _, a := range list {
		if len(out) == 0 || out[len(out)-1].CoachID != a.CoachID {
			out = append(out, CoachNames{CoachID: a.CoachID})
		}
		last := &out[len(out)-1]
		last.Names = append(last.Names, a.ObjectName())
	}
	return out, nil
}

// Counts are how many of a trajectory's sessions are booked (planned) and
// how many were used (held or missed).
func (s *Service) Counts(ctx context.Context, orgID, dossierID, trajectoryID int64) (booked, used int, err error) {
	var counts []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	err = s.db.DB().NewSelect().Model((*Appointment)(nil)).ColumnExpr("status, COUNT(*) AS n").
		Where("organisation_id = ? AND dossier_id = ? AND trajectory_id = ?", orgID, dossierID, trajectoryID).Group("status").Scan(ctx, &counts)
	for _, c := range counts {
		switch c.Status {
		case StatusPlanned:
			booked += c.N
		case StatusHeld, StatusNoShow:
			used += c.N
		}
	}
	return booked, used, err
}

// Due reads the planned appointments that begin within before from now and
// have not been reminded of for their start.
func (s *Service) Due(ctx context.Context, orgID int64, now time.Time, before time.Duration) ([]Appointment, error) {
	var due []Appointment
	err := s.db.DB().NewSelect().Model(&due).
		Where("organisation_id = ? AND status = ? AND starts_at > ? AND starts_at <= ?", orgID, StatusPlanned, now, now.Add(before)).
		Where("reminded_for IS NULL OR reminded_for <> starts_at").Scan(ctx)
	return due, err
}

// ClaimReminder marks an appointment reminded for its start; false when
// another instance did it first.
func (s *Service) ClaimReminder(ctx context.Context, a Appointment) (bool, error) {
	res, err := s.db.DB().NewUpdate().Model((*Appointment)(nil)).Set("reminded_for = starts_at").
		Where("id = ? AND organisation_id = ? AND (reminded_for IS NULL OR reminded_for <> starts_at)", a.ID, a.OrganisationID).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
