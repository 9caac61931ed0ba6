package events

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// The reads and writes of a coach's events. Each takes the database or a
// transaction (db): the calendar writes an event and logs its change in
// one.

// List reads the coach's events of those names (all of them for nil) with
// their text, not read (whoever needs more reads it).
func List(ctx context.Context, db bun.IDB, orgID, coachID int64, names []string) ([]Event, error) {
	var list []Event
	q := db.NewSelect().Model(&list).Column("name", "etag", "data", "updated_at").Where("organisation_id = ? AND coach_id = ?", orgID, coachID)
	if names != nil {
		q = q.Where("name IN (?)", bun.List(names))
	}
	err := q.Scan(ctx)
	return list, err
}

// Tag is an event as a listing knows it: its name, tag and size, and its
// modification time when asked for.
type Tag struct {
	Name      string    `bun:"name"`
	ETag      string    `bun:"etag"`
	Size      int64     `bun:"size"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// Tags reads the coach's events of those names (all of them for nil) by
// their tags and sizes but not their data (a listing that asks for no
// more), with their modification times when modTimes.
func Tags(ctx context.Context, db bun.IDB, orgID, coachID int64, names []string, modTimes bool) ([]Tag, error) {
	var list []Tag
	q := db.NewSelect().TableExpr("agenda_events").Column("name", "etag").ColumnExpr("length(data) AS size").
		Where("organisation_id = ? AND coach_id = ?", orgID, coachID)
	if modTimes {
		q = q.Column("updated_at")
	}
	if names != nil {
		q = q.Where("name IN (?)", bun.List(names))
	}
	err := q.Scan(ctx, &list)
	return list, err
}

// Between reads the coach's events that may fall in [start, end) (zero:
// open): simple ones judged exactly by their stored times, as
// instances.Instance.Overlaps would (one with a length when it starts
// before the range ends and ends after it starts, one without when it
// starts in the range), found by their start within a day before the
// range; the others (recurring, whose first time may lie before the range,
// floating, whose stored times may be off by a day, or long) more widely,
// for their data to be judged. Their modification times are read only
// when modTimes.
func Between(ctx context.Context, db bun.IDB, orgID, coachID int64, start, end time.Time, modTimes bool) ([]Event, error) {
	columns := []string{"name", "etag", "data", "simple"}
	if modTimes {
		columns = append(columns, "updated_at")
	}
	from, to := Lowest(start), Highest(end)
	var rows []Event
	err := db.NewSelect().Model(&rows).Column(columns...).
		Where("organisation_id = ? AND coach_id = ? AND simple = ?", orgID, coachID, true).
		Where("starts_at >= ? AND starts_at < ?", from.Add(-24*time.Hour), to).
		Where("(ends_at > ? OR ends_at = starts_at AND starts_at >= ?)", from, from).
		UnionAll(db.NewSelect().Model((*Event)(nil)).Column(columns...).
			Where("organisation_id = ? AND coach_id = ? AND simple = ?", orgID, coachID, false).
			Where("starts_at < ? AND (recurring = ? OR ends_at >= ?)", to.Add(DayLong), true, from.Add(-DayLong))).
		Scan(ctx)
	return rows, err
}

// Lowest and Highest stand for an open side of a range in a comparison
// with stored times. The highest is two days short of the year 10000, so
// that it may be widened by DayLong: SQLite compares times as text, where
// the year 10000 comes before 9999.
func Lowest(t time.Time) time.Time {
	if t.IsZero() {
		return time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.UTC()
}

// Highest: see Lowest.
func Highest(t time.Time) time.Time {
	if ceiling := time.Date(9999, 12, 29, 0, 0, 0, 0, time.UTC); t.IsZero() || t.After(ceiling) {
		return ceiling
	}
	return t.UTC()
}

// NameOfUID is the name of the coach's event with that UID other than the
// one named, "" when there is none.
func NameOfUID(ctx context.Context, db bun.IDB, orgID, coachID int64, uid, other string) (string, error) {
	var names []string
	err := db.NewSelect().Model((*Event)(nil)).Column("name").Where("organisation_id = ? AND coach_id = ? AND uid = ? AND name <> ?", orgID, coachID, uid, other).
		Limit(1).Scan(ctx, &names)
	if err != nil || len(names) == 0 {
		return "", err
	}
	return names[0], nil
}

// Expect is what a write expects of the event it replaces: that there is
// none (None, If-None-Match: *), or that it has this ETag (If-Match).
type Expect struct {
	None bool
	ETag string
}

// Save keeps an event under its name, made or replaced as want expects;
// written says whether it was (false: the event was there, or had another
// tag).
func Save(ctx context.Context, db bun.IDB, e *Event, want Expect) (written bool, err error) {
	q := db.NewInsert().Model(e)
	if want.None {
		q = q.On("CONFLICT (organisation_id, coach_id, name) DO NOTHING")
	} else {
		q = q.On("CONFLICT (organisation_id, coach_id, name) DO UPDATE").
			Set("uid = EXCLUDED.uid, etag = EXCLUDED.etag, data = EXCLUDED.data, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at").
			Set("recurring = EXCLUDED.recurring, until = EXCLUDED.until, busy = EXCLUDED.busy, simple = EXCLUDED.simple, updated_at = EXCLUDED.updated_at")
		if want.ETag != "" {
			q = q.Where("?TableAlias.etag = ?", want.ETag)
		}
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Delete removes the coach's event of that name (and, with etag, that
// tag); deleted says whether there was one.
func Delete(ctx context.Context, db bun.IDB, orgID, coachID int64, name, etag string) (deleted bool, err error) {
	q := db.NewDelete().Model((*Event)(nil)).Where("organisation_id = ? AND coach_id = ? AND name = ?", orgID, coachID, name)
	if etag != "" {
		q = q.Where("etag = ?", etag)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
