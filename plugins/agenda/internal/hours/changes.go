package hours

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
)

// Change is a one-off change to a coach's hours: extra hours (Open) or
// time off.
type Change struct {
	bun.BaseModel  `bun:"table:agenda_changes"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	CoachID        int64     `bun:"coach_id,notnull"`
	StartsAt       time.Time `bun:"starts_at,notnull"`
	EndsAt         time.Time `bun:"ends_at,notnull"`
	Open           bool      `bun:"open,notnull"`
	Place          string    `bun:"place,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Upcoming reads the coach's changes that have not ended by now, soonest
// first.
func (s *Service) Upcoming(ctx context.Context, orgID, coachID int64, now time.Time) ([]Change, error) {
	var list []Change
	err := s.db.DB().NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ? AND ends_at > ?", orgID, coachID, now.UTC()).
		Order("starts_at").Limit(100).Scan(ctx)
	return list, err
}

// ChangesBetween reads a coach's changes that overlap [from, to) in db (a
// transaction of another service's), in the order they were made.
func ChangesBetween(ctx context.Context, db bun.IDB, orgID, coachID int64, from, to time.Time) ([]Change, error) {
	var list []Change
	err := db.NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ? AND ends_at > ? AND starts_at < ?", orgID, coachID, from.UTC(), to.UTC()).
		Order("id").Scan(ctx)
	return list, err
}

// NewChange is time off or extra hours as a coach asks for them: from the
// first day to the last, in the coach's zone; extra hours from From to
// Until on each of those days.
type NewChange struct {
	OrganisationID, CoachID int64
	Open                    bool // extra hours; time off when false
	First, Last             time.Time
	From, Until             availability.Clock
	Place                   string
	Now                     time.Time
}

// AddChange keeps time off as one stretch, from the first day to the end
// of the last, and extra hours as the same times on each day.
func (s *Service) AddChange(ctx context.Context, c NewChange) error {
	row := func(start, end time.Time) Change {
		return Change{OrganisationID: c.OrganisationID, CoachID: c.CoachID, StartsAt: start.UTC(), EndsAt: end.UTC(), Open: c.Open, Place: c.Place,
			CreatedAt: c.Now.UTC()}
	}
	rows := []Change{row(c.First, c.Until.On(c.Last))}
	if c.Open {
		rows = rows[:0]
		for day := c.First; !day.After(c.Last); day = day.AddDate(0, 0, 1) {
			rows = append(rows, row(c.From.On(day), c.Until.On(day)))
		}
	}
	_, err := s.db.DB().NewInsert().Model(&rows).Exec(ctx)
	return err
}

// DeleteChange removes one of the coach's changes; another's, or one that
// is not there, is ErrNotFound.
func (s *Service) DeleteChange(ctx context.Context, orgID, coachID, id int64) error {
	return s.deleteOwn(ctx, (*Change)(nil), orgID, coachID, id)
}
