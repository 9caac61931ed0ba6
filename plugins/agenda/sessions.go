package main

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// sessionType is a kind of session a coach offers, with what it asks of
// the time booked.
type sessionType struct {
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

// session is what the type asks of the free-time computation.
func (t sessionType) session() availability.Session {
	m := time.Minute
	return availability.Session{Duration: time.Duration(t.DurationMin) * m, BufferBefore: time.Duration(t.BufferBeforeMin) * m,
		BufferAfter: time.Duration(t.BufferAfterMin) * m, MinNotice: time.Duration(t.NoticeHours) * time.Hour,
		MaxAhead: time.Duration(t.AheadDays) * 24 * time.Hour, DailyMax: t.DailyMax}
}

// sessionTypesOf reads a coach's session types by name; a coach without
// any offers one-hour sessions.
func sessionTypesOf(r *sdk.Request, coachID int64) ([]sessionType, error) {
	var list []sessionType
	err := r.DB().NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ?", r.OrganisationID(), coachID).Order("name", "id").Scan(r.Context)
	return list, err
}

// bounded reads a whole number from the form within [lo, hi]; a blank
// field is def.
func bounded(values, problems map[string]string, field string, lo, hi, def int) int {
	s := strings.TrimSpace(values[field])
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		problems[field] = "agenda.error.range_" + field
	}
	return n
}

// addSessionTypePost adds a session type: a name, a duration and the rules
// for booking it.
func addSessionTypePost(r *sdk.Request) error {
	values, problems := map[string]string{}, map[string]string{}
	for _, f := range []string{"name", "duration", "buffer_before", "buffer_after", "notice", "ahead", "daily_max"} {
		values[f] = r.Form.Get(f)
	}
	name := strings.TrimSpace(values["name"])
	if name == "" || utf8.RuneCountInString(name) > 80 {
		problems["name"] = "agenda.error.name"
	}
	t := &sessionType{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Name: name, CreatedAt: time.Now().UTC(),
		DurationMin:     bounded(values, problems, "duration", 5, 480, 0),
		BufferBeforeMin: bounded(values, problems, "buffer_before", 0, 120, 0),
		BufferAfterMin:  bounded(values, problems, "buffer_after", 0, 120, 0),
		NoticeHours:     bounded(values, problems, "notice", 0, 720, 24),
		AheadDays:       bounded(values, problems, "ahead", 1, 365, 60),
		DailyMax:        bounded(values, problems, "daily_max", 0, 24, 0)}
	if t.DurationMin == 0 && problems["duration"] == "" {
		problems["duration"] = "agenda.error.range_duration"
	}
	if len(problems) > 0 {
		return renderAvailability(r, 422, values, problems)
	}
	if _, err := r.DB().NewInsert().Model(t).Exec(r.Context); err != nil {
		return err
	}
	return r.Redirect("/availability")
}
