package main

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// zoneOf is a coach's agenda time zone: their own setting, else the one of
// their account, else UTC.
func zoneOf(r *sdk.Request, coachID int64) (*time.Location, error) {
	s := settings{}
	err := r.DB().NewSelect().Model(&s).Where("organisation_id = ? AND coach_id = ?", r.OrganisationID(), coachID).Scan(r.Context)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	name := s.TimeZone
	if name == "" && coachID == r.UserID() {
		name = r.TimeZone()
	} else if name == "" {
		people, err := r.People(coachID)
		if err != nil {
			return nil, err
		}
		if len(people) == 1 {
			name = people[0].TimeZone
		}
	}
	return sdk.Zone(name), nil
}

// weeklyOf reads a coach's weekly hours, by day and time.
func weeklyOf(ctx context.Context, db bun.IDB, orgID, coachID int64) ([]hours, error) {
	var list []hours
	err := db.NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).
		Order("weekday", "start_min").Scan(ctx)
	return list, err
}

// load reads what the free-time computation needs of a coach between from
// and to: weekly hours, changes, appointments and the busy events of their
// own calendar (whole days around the span, for the daily maximum). skip leaves out the appointment being moved.
func load(ctx context.Context, db bun.IDB, orgID, coachID int64, zone *time.Location, from, to time.Time, skip int64) (availability.Coach, error) {
	c := availability.Coach{Zone: zone}
	weekly, err := weeklyOf(ctx, db, orgID, coachID)
	if err != nil {
		return c, err
	}
	for _, h := range weekly {
		c.Weekly = append(c.Weekly, availability.Weekly{Day: time.Weekday(h.Weekday), Start: h.Start(), End: h.End(), Place: h.Place})
	}
	from, to = from.Add(-24*time.Hour).UTC(), to.Add(24*time.Hour).UTC()
	var changes []change
	if err := db.NewSelect().Model(&changes).Where("organisation_id = ? AND coach_id = ? AND ends_at > ? AND starts_at < ?", orgID, coachID, from, to).
		Scan(ctx); err != nil {
		return c, err
	}
	for _, ch := range changes {
		c.Changes = append(c.Changes, availability.Change{From: ch.StartsAt, To: ch.EndsAt, Open: ch.Open, Place: ch.Place})
	}
	var taken []appointment
	if err := db.NewSelect().Model(&taken).Column("starts_at", "ends_at").
		Where("organisation_id = ? AND coach_id = ? AND status <> ? AND id <> ? AND ends_at > ? AND starts_at < ?", orgID, coachID, statusCancelled, skip, from, to).
		Scan(ctx); err != nil {
		return c, err
	}
	for _, a := range taken {
		c.Busy = append(c.Busy, availability.Busy{From: a.StartsAt, To: a.EndsAt, Appointment: true})
	}
	private, err := busyIn(ctx, db, orgID, coachID, zone, from, to)
	c.Busy = append(c.Busy, private...)
	return c, err
}
