package hours

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
)

// SessionType is a kind of session a coach offers, with what it asks of
// the time booked.
type SessionType struct {
	bun.BaseModel   `bun:"table:agenda_session_types"`
	ID              int64     `bun:"id,pk,autoincrement"`
	OrganisationID  int64     `bun:"organisation_id,notnull"`
	CoachID         int64     `bun:"coach_id,notnull"`
	Name            string    `bun:"name,notnull"`
	DurationMin     int       `bun:"duration_min,notnull"`
	BufferBeforeMin int       `bun:"buffer_before_min,notnull"`
	BufferAfterMin  int       `bun:"buffer_after_min,notnull"`
	NoticeHours     int       `bun:"notice_hours,notnull"`
	AheadDays       int       `bun:"ahead_days,notnull"`
	DailyMax        int       `bun:"daily_max,notnull"`
	CreatedAt       time.Time `bun:"created_at,notnull"`
}

// HourSession stands in for a coach who has no session types.
var HourSession = SessionType{Name: "", DurationMin: 60, NoticeHours: 24, AheadDays: 60}

// Session is what the type asks of the free-time computation.
func (t SessionType) Session() availability.Session {
	m := time.Minute
	return availability.Session{Duration: time.Duration(t.DurationMin) * m, BufferBefore: time.Duration(t.BufferBeforeMin) * m,
		BufferAfter: time.Duration(t.BufferAfterMin) * m, MinNotice: time.Duration(t.NoticeHours) * time.Hour,
		MaxAhead: time.Duration(t.AheadDays) * 24 * time.Hour, DailyMax: t.DailyMax}
}

// SessionTypes reads a coach's session types by name; a coach without any
// offers HourSession.
func (s *Service) SessionTypes(ctx context.Context, orgID, coachID int64) ([]SessionType, error) {
	var list []SessionType
	err := s.db.DB().NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Order("name", "id").Scan(ctx)
	return list, err
}

// AddSessionType keeps a session type.
func (s *Service) AddSessionType(ctx context.Context, t *SessionType) error {
	_, err := s.db.DB().NewInsert().Model(t).Exec(ctx)
	return err
}

// DeleteSessionType removes one of the coach's session types; another's,
// or one that is not there, is ErrNotFound.
func (s *Service) DeleteSessionType(ctx context.Context, orgID, coachID, id int64) error {
	return s.deleteOwn(ctx, (*SessionType)(nil), orgID, coachID, id)
}
