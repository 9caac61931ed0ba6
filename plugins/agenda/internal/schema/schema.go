// Package schema owns the agenda's tables as its migrations make them,
// each migration with its own frozen copy of what it creates: the services
// keep their models, which may change, and a migration never does.
package schema

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Register adds the agenda's migrations to the module, in order.
func Register(m *sdk.Module) {
	m.Migration("20261203090000_hours", func(ctx context.Context, db *bun.DB) error {
		type hours struct {
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
		type settings struct {
			bun.BaseModel  `bun:"table:agenda_settings"`
			OrganisationID int64  `bun:"organisation_id,pk"`
			CoachID        int64  `bun:"coach_id,pk"`
			TimeZone       string `bun:"time_zone,notnull"`
		}
		if _, err := db.NewCreateTable().Model((*hours)(nil)).Exec(ctx); err != nil {
			return err
		}
		if _, err := db.NewCreateIndex().Model((*hours)(nil)).Index("agenda_hours_by_coach").Column("organisation_id", "coach_id", "weekday").Exec(ctx); err != nil {
			return err
		}
		_, err := db.NewCreateTable().Model((*settings)(nil)).Exec(ctx)
		return err
	})
	m.Migration("20261203100000_session_types", func(ctx context.Context, db *bun.DB) error {
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
		_, err := db.NewCreateTable().Model((*sessionType)(nil)).Exec(ctx)
		return err
	})
	m.Migration("20261203110000_changes", func(ctx context.Context, db *bun.DB) error {
		type change struct {
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
		if _, err := db.NewCreateTable().Model((*change)(nil)).Exec(ctx); err != nil {
			return err
		}
		_, err := db.NewCreateIndex().Model((*change)(nil)).Index("agenda_changes_by_coach").Column("organisation_id", "coach_id", "ends_at").Exec(ctx)
		return err
	})
	m.Migration("20261204090000_appointments", func(ctx context.Context, db *bun.DB) error {
		type appointment struct {
			bun.BaseModel  `bun:"table:agenda_appointments"`
			ID             int64     `bun:"id,pk,autoincrement"`
			OrganisationID int64     `bun:"organisation_id,notnull"`
			UID            string    `bun:"uid,notnull,unique"`
			Sequence       int       `bun:"sequence,notnull"`
			CoachID        int64     `bun:"coach_id,notnull"`
			CoacheeID      int64     `bun:"coachee_id,notnull"`
			DossierID      int64     `bun:"dossier_id,notnull"`
			TrajectoryID   int64     `bun:"trajectory_id,notnull"`
			SessionType    string    `bun:"session_type,notnull"`
			StartsAt       time.Time `bun:"starts_at,notnull"`
			EndsAt         time.Time `bun:"ends_at,notnull"`
			Mode           string    `bun:"mode,notnull"`
			Place          string    `bun:"place,notnull"`
			Theme          string    `bun:"theme,notnull"`
			Status         string    `bun:"status,notnull"`
			Reason         string    `bun:"reason,notnull"`
			BookedBy       int64     `bun:"booked_by,notnull"`
			CreatedAt      time.Time `bun:"created_at,notnull"`
			UpdatedAt      time.Time `bun:"updated_at,notnull"`
		}
		type theme struct {
			bun.BaseModel  `bun:"table:agenda_themes"`
			ID             int64  `bun:"id,pk,autoincrement"`
			OrganisationID int64  `bun:"organisation_id,notnull"`
			Name           string `bun:"name,notnull"`
		}
		for _, model := range []any{(*appointment)(nil), (*theme)(nil)} {
			if _, err := db.NewCreateTable().Model(model).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := db.NewCreateIndex().Model((*appointment)(nil)).Index("agenda_appointments_by_coach").Column("organisation_id", "coach_id", "starts_at").Exec(ctx); err != nil {
			return err
		}
		if _, err := db.NewCreateIndex().Model((*appointment)(nil)).Index("agenda_appointments_by_coachee").Column("organisation_id", "coachee_id", "starts_at").Exec(ctx); err != nil {
			return err
		}
		// The last guard against two bookings of one slot: one planned
		// appointment per coach and start.
		_, err := db.NewCreateIndex().Model((*appointment)(nil)).Index("agenda_appointments_one_per_slot").Unique().
			Column("organisation_id", "coach_id", "starts_at").Where("status = 'planned'").Exec(ctx)
		return err
	})
	m.Migration("20261205090000_calendar", func(ctx context.Context, db *bun.DB) error {
		type event struct {
			bun.BaseModel  `bun:"table:agenda_events"`
			ID             int64      `bun:"id,pk,autoincrement"`
			OrganisationID int64      `bun:"organisation_id,notnull"`
			CoachID        int64      `bun:"coach_id,notnull"`
			Name           string     `bun:"name,notnull"`
			UID            string     `bun:"uid,notnull"`
			ETag           string     `bun:"etag,notnull"`
			Data           string     `bun:"data,notnull"`
			StartsAt       time.Time  `bun:"starts_at,notnull"`
			EndsAt         time.Time  `bun:"ends_at,notnull"`
			Recurring      bool       `bun:"recurring,notnull"`
			Until          *time.Time `bun:"until"`
			Busy           bool       `bun:"busy,notnull"`
			UpdatedAt      time.Time  `bun:"updated_at,notnull"`
		}
		type change struct {
			bun.BaseModel  `bun:"table:agenda_dav_changes"`
			ID             int64     `bun:"id,pk,autoincrement"`
			OrganisationID int64     `bun:"organisation_id,notnull"`
			CoachID        int64     `bun:"coach_id,notnull"`
			Name           string    `bun:"name,notnull"`
			CreatedAt      time.Time `bun:"created_at,notnull"`
		}
		type open struct {
			bun.BaseModel  `bun:"table:agenda_dav_open"`
			OrganisationID int64  `bun:"organisation_id,pk"`
			CoachID        int64  `bun:"coach_id,pk"`
			Name           string `bun:"name,pk"`
			ETag           string `bun:"etag,notnull"`
		}
		type orgSettings struct {
			bun.BaseModel  `bun:"table:agenda_org_settings"`
			OrganisationID int64  `bun:"organisation_id,pk"`
			CalendarNames  string `bun:"calendar_names,notnull"`
		}
		for _, model := range []any{(*event)(nil), (*change)(nil), (*open)(nil), (*orgSettings)(nil)} {
			if _, err := db.NewCreateTable().Model(model).Exec(ctx); err != nil {
				return err
			}
		}
		for _, ix := range []struct {
			model   any
			name    string
			unique  bool
			columns []string
		}{
			{(*event)(nil), "agenda_events_by_name", true, []string{"organisation_id", "coach_id", "name"}},
			{(*event)(nil), "agenda_events_by_uid", true, []string{"organisation_id", "coach_id", "uid"}},
			{(*event)(nil), "agenda_events_by_time", false, []string{"organisation_id", "coach_id", "starts_at"}},
			{(*change)(nil), "agenda_dav_changes_by_coach", false, []string{"organisation_id", "coach_id", "id"}},
		} {
			q := db.NewCreateIndex().Model(ix.model).Index(ix.name).Column(ix.columns...)
			if ix.unique {
				q = q.Unique()
			}
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	m.Migration("20261206090000_reminders", addReminded)
	m.Migration("20261206100000_reminder_choice", addReminderChoice)
	m.Migration("20261207120000_dav_display", addDisplay)
	m.Migration("20261207180000_dav_calendars", addCalendars)
	m.Migration("20261207190000_simple_events", addSimple)
}

// addReminded lets appointments remember the start they were reminded of.
func addReminded(ctx context.Context, db *bun.DB) error {
	kind := "TIMESTAMP"
	if db.Dialect().Name() == dialect.PG {
		kind = "TIMESTAMPTZ" // as starts_at
	}
	_, err := db.NewAddColumn().Table("agenda_appointments").ColumnExpr("reminded_for " + kind).Exec(ctx)
	return err
}

// addReminderChoice lets organisations choose when reminders go.
func addReminderChoice(ctx context.Context, db *bun.DB) error {
	_, err := db.NewAddColumn().Table("agenda_org_settings").ColumnExpr("remind VARCHAR(8) NOT NULL DEFAULT ''").Exec(ctx)
	return err
}

// addDisplay keeps what each person's calendar apps set for their own
// display of their calendar (its colour, order, name).
func addDisplay(ctx context.Context, db *bun.DB) error {
	type display struct {
		bun.BaseModel  `bun:"table:agenda_dav_display"`
		OrganisationID int64  `bun:"organisation_id,pk"`
		UserID         int64  `bun:"user_id,pk"`
		Space          string `bun:"space,pk,type:varchar(100)"`
		Local          string `bun:"local,pk,type:varchar(100)"`
		Value          string `bun:"value,notnull,type:varchar(500)"`
	}
	_, err := db.NewCreateTable().Model((*display)(nil)).Exec(ctx)
	return err
}

// addCalendars numbers each coach's changes on their own and keeps each
// calendar's state in a row of its own. Changes keep their ids as their
// numbers, so the tokens apps hold stay good.
func addCalendars(ctx context.Context, db *bun.DB) error {
	type calendar struct {
		bun.BaseModel  `bun:"table:agenda_dav_calendars"`
		OrganisationID int64  `bun:"organisation_id,pk"`
		CoachID        int64  `bun:"coach_id,pk"`
		LastChange     int64  `bun:"last_change,notnull"`
		OpenInputs     string `bun:"open_inputs,notnull"`
	}
	if _, err := db.NewCreateTable().Model((*calendar)(nil)).Exec(ctx); err != nil {
		return err
	}
	for _, stmt := range []string{
		"ALTER TABLE agenda_dav_changes ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
		"UPDATE agenda_dav_changes SET seq = id",
		"DROP INDEX agenda_dav_changes_by_coach",
		"CREATE INDEX agenda_dav_changes_by_seq ON agenda_dav_changes (organisation_id, coach_id, seq)",
		"INSERT INTO agenda_dav_calendars (organisation_id, coach_id, last_change, open_inputs) " +
			"SELECT organisation_id, coach_id, MAX(id), '' FROM agenda_dav_changes GROUP BY organisation_id, coach_id",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// addSimple says of each event whether it is simple, and indexes simple
// events by their start for time ranges: a month late in a year of 10,000
// events read the 4,000 before it to compare their ends.
func addSimple(ctx context.Context, db *bun.DB) error {
	for _, stmt := range []string{
		"ALTER TABLE agenda_events ADD COLUMN simple BOOLEAN NOT NULL DEFAULT FALSE",
		"CREATE INDEX agenda_events_by_kind ON agenda_events (organisation_id, coach_id, simple, starts_at)",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return events.MarkSimple(ctx, db)
}
