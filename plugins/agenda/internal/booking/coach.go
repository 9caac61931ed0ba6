package booking

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
)

// Coach reads what the free-time computation needs of a coach between from
// and to, in their zone: weekly hours, changes, appointments and the busy
// events of their own calendar.
func (s *Service) Coach(ctx context.Context, orgID, coachID int64, zone *time.Location, from, to time.Time) (availability.Coach, error) {
	return load(ctx, s.db.DB(), orgID, coachID, zone, from, to, 0)
}

// load reads what the free-time computation needs of a coach between from
// and to (whole days around the span, for the daily maximum); skip leaves
// out the appointment being moved.
func load(ctx context.Context, db bun.IDB, orgID, coachID int64, zone *time.Location, from, to time.Time, skip int64) (availability.Coach, error) {
	c := availability.Coach{Zone: zone}
	weekly, err := hours.WeeklyOf(ctx, db, orgID, coachID)
	if err != nil {
		return c, err
	}
	for _, h := range weekly {
		c.Weekly = append(c.Weekly, availability.Weekly{Day: time.Weekday(h.Weekday), Start: h.Start(), End: h.End(), Place: h.Place})
	}
	from, to = from.Add(-24*time.Hour).UTC(), to.Add(24*time.Hour).UTC()
	changes, err := hours.ChangesBetween(ctx, db, orgID, coachID, from, to)
	if err != nil {
		return c, err
	}
	for _, ch := range changes {
		c.Changes = append(c.Changes, availability.Change{From: ch.StartsAt, To: ch.EndsAt, Open: ch.Open, Place: ch.Place})
	}
	var taken []Appointment
	if err := db.NewSelect().Model(&taken).Column("starts_at", "ends_at").
		Where("organisation_id = ? AND coach_id = ? AND status <> ? AND id <> ? AND ends_at > ? AND starts_at < ?", orgID, coachID, StatusCancelled, skip, from, to).
		Scan(ctx); err != nil {
		return c, err
	}
	for _, a := range taken {
		c.Busy = append(c.Busy, availability.Busy{From: a.StartsAt, To: a.EndsAt, Appointment: true})
	}
	private, err := events.Busy(ctx, db, orgID, coachID, zone, from, to)
	c.Busy = append(c.Busy, private...)
	return c, err
}
