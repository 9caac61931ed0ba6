// Package hours owns when a coach can be booked: their weekly hours, the
// one-off changes to them (time off, extra hours), the session types they
// offer, and their own agenda settings (the time zone their hours are in).
//
// Example usage:
//
//	s := hours.New(m) // the module, before sdk.Serve
//	weekly, err := s.Weekly(r.Context, r.OrganisationID(), r.UserID())
package hours

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Block is one block of a coach's weekly hours.
type Block struct {
	bun.BaseModel  `bun:"table:agenda_hours"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	CoachID        int64     `bun:"coach_id,notnull"`
	Weekday        int       `bun:"weekday,notnull"`
	StartMin       int       `bun:"start_min,notnull"`
	EndMin         int       `bun:"end_min,notnull"`
	Place          string    `bun:"place,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Start is the block's start as a time of day.
func (b Block) Start() availability.Clock { return availability.Clock(b.StartMin) }

// End is the block's end as a time of day.
func (b Block) End() availability.Clock { return availability.Clock(b.EndMin) }

// Settings are a coach's own agenda settings.
type Settings struct {
	bun.BaseModel  `bun:"table:agenda_settings"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	CoachID        int64  `bun:"coach_id,pk"`
	TimeZone       string `bun:"time_zone,notnull"`
}

// MaxBlocks bounds a coach's weekly hours.
const MaxBlocks = 60

// ErrNotFound is a row that is not there, or not the coach's: a 404.
var ErrNotFound = fmt.Errorf("agenda: no such hours, change or session type: %w", sdk.ErrNotFound)

// Service keeps coaches' hours, changes, session types and settings.
type Service struct{ db sdk.Database }

// New is the service on the module's database.
func New(db sdk.Database) *Service { return &Service{db: db} }

// Weekly reads a coach's weekly hours, by day and time.
func (s *Service) Weekly(ctx context.Context, orgID, coachID int64) ([]Block, error) {
	return WeeklyOf(ctx, s.db.DB(), orgID, coachID)
}

// WeeklyOf reads a coach's weekly hours in db (a transaction of another
// service's), by day and time.
func WeeklyOf(ctx context.Context, db bun.IDB, orgID, coachID int64) ([]Block, error) {
	var list []Block
	err := db.NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).
		Order("weekday", "start_min").Scan(ctx)
	return list, err
}

// Conflicts tells what keeps a new block from the weekly hours: it
// overlaps a block of the same day, or the week is full (MaxBlocks).
func Conflicts(weekly []Block, day int, start, end availability.Clock) (overlap, full bool) {
	for _, b := range weekly {
		if b.Weekday == day && b.StartMin < int(end) && b.EndMin > int(start) {
			overlap = true
		}
	}
	return overlap, len(weekly) >= MaxBlocks
}

// AddBlock keeps a block of weekly hours.
func (s *Service) AddBlock(ctx context.Context, b *Block) error {
	_, err := s.db.DB().NewInsert().Model(b).Exec(ctx)
	return err
}

// DeleteBlock removes one of the coach's blocks; another's, or one that is
// not there, is ErrNotFound.
func (s *Service) DeleteBlock(ctx context.Context, orgID, coachID, id int64) error {
	return s.deleteOwn(ctx, (*Block)(nil), orgID, coachID, id)
}

// deleteOwn removes one of the coach's own rows of a model.
func (s *Service) deleteOwn(ctx context.Context, model any, orgID, coachID, id int64) error {
	res, err := s.db.DB().NewDelete().Model(model).Where("id = ? AND organisation_id = ?", id, orgID).Where("coach_id = ?", coachID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Zone is the time zone a coach set for their hours, "" when they set
// none (their account's zone applies).
func (s *Service) Zone(ctx context.Context, orgID, coachID int64) (string, error) {
	settings := Settings{}
	err := s.db.DB().NewSelect().Model(&settings).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return settings.TimeZone, err
}

// ZoneOf is a coach's agenda time zone: their own setting, else the zone
// of their account (account asks for it only then), else UTC.
func (s *Service) ZoneOf(ctx context.Context, orgID, coachID int64, account func() (string, error)) (*time.Location, error) {
	name, err := s.Zone(ctx, orgID, coachID)
	if err == nil && name == "" {
		name, err = account()
	}
	if err != nil {
		return nil, err
	}
	return sdk.Zone(name), nil
}

// SetZone sets the time zone a coach's hours are in.
func (s *Service) SetZone(ctx context.Context, orgID, coachID int64, name string) error {
	settings := &Settings{OrganisationID: orgID, CoachID: coachID, TimeZone: name}
	_, err := s.db.DB().NewInsert().Model(settings).On("CONFLICT (organisation_id, coach_id) DO UPDATE").Set("time_zone = EXCLUDED.time_zone").Exec(ctx)
	return err
}

// Lock writes the coach's settings row (made when missing) in a
// transaction, so that transactions that lock one coach wait for each
// other: a row lock on PostgreSQL (SQLite takes the database's write lock
// at BEGIN).
func Lock(ctx context.Context, tx bun.Tx, orgID, coachID int64) error {
	settings := &Settings{OrganisationID: orgID, CoachID: coachID}
	_, err := tx.NewInsert().Model(settings).On("CONFLICT (organisation_id, coach_id) DO UPDATE").Set("time_zone = ?TableAlias.time_zone").Exec(ctx)
	return err
}

// SeedDemo gives a coach office hours on weekdays and a session type of the
// name given, unless they have hours already; seeded says whether it did.
func (s *Service) SeedDemo(ctx context.Context, orgID, coachID int64, session string, now time.Time) (seeded bool, err error) {
	n, err := s.db.DB().NewSelect().Model((*Block)(nil)).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Count(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	now = now.UTC()
	var blocks []Block
	for day := time.Monday; day <= time.Friday; day++ {
		blocks = append(blocks,
			Block{OrganisationID: orgID, CoachID: coachID, Weekday: int(day), StartMin: 9 * 60, EndMin: 12 * 60, Place: "online", CreatedAt: now},
			Block{OrganisationID: orgID, CoachID: coachID, Weekday: int(day), StartMin: 13 * 60, EndMin: 17 * 60, Place: "online", CreatedAt: now})
	}
	kind := &SessionType{OrganisationID: orgID, CoachID: coachID, Name: session, DurationMin: 60,
		BufferAfterMin: 15, NoticeHours: 24, AheadDays: 60, CreatedAt: now}
	err = s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&blocks).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(kind).Exec(ctx)
		return err
	})
	return err == nil, err
}
