package main

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// change is a one-off change to a coach's hours: extra hours (Open) or
// time off.
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

// upcoming reads the coach's changes that have not ended, soonest first.
func upcoming(r *sdk.Request) ([]change, error) {
	var list []change
	err := r.DB().NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ? AND ends_at > ?", r.OrganisationID(), r.UserID(), time.Now().UTC()).
		Order("starts_at").Limit(100).Scan(r.Context)
	return list, err
}

// addChangePost adds time off or extra hours: a first and last day (one
// day when the last is blank), and for extra hours the times of day.
func addChangePost(r *sdk.Request) error {
	zone, err := zoneOf(r, r.UserID())
	if err != nil {
		return err
	}
	values, problems := map[string]string{}, map[string]string{}
	for _, f := range []string{"kind", "first", "last", "change_from", "change_until", "change_place"} {
		values[f] = strings.TrimSpace(r.Form.Get(f))
	}
	open := values["kind"] == "extra"
	if !open && values["kind"] != "off" {
		problems["kind"] = "agenda.error.kind"
	}
	first, err := time.ParseInLocation(time.DateOnly, values["first"], zone)
	if err != nil {
		problems["first"] = "agenda.error.date"
	}
	last := first
	if values["last"] != "" {
		if last, err = time.ParseInLocation(time.DateOnly, values["last"], zone); err != nil || last.Before(first) {
			problems["last"] = "agenda.error.last_day"
		}
	}
	if problems["first"] == "" && problems["last"] == "" && last.Sub(first) > 366*24*time.Hour {
		problems["last"] = "agenda.error.too_long"
	}
	// Time off is whole days; extra hours are the given times on each day.
	from, until := availability.Clock(0), availability.Clock(24*60)
	if open {
		if from, err = availability.ParseClock(values["change_from"]); err != nil {
			problems["change_from"] = "agenda.error.time"
		}
		if until, err = availability.ParseClock(values["change_until"]); err != nil {
			problems["change_until"] = "agenda.error.time"
		} else if problems["change_from"] == "" && until <= from {
			problems["change_until"] = "agenda.error.end_before_start"
		}
	}
	place := values["change_place"]
	if place == "" {
		place = "online"
	}
	if utf8.RuneCountInString(place) > 80 {
		problems["change_place"] = "agenda.error.place"
	}
	if len(problems) > 0 {
		return renderAvailability(r, 422, values, problems)
	}
	now := time.Now().UTC()
	row := func(start, end time.Time) change {
		return change{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), StartsAt: start.UTC(), EndsAt: end.UTC(), Open: open, Place: place, CreatedAt: now}
	}
	// Days off are one stretch, from the first day to the end of the last;
	// extra hours are the same times on each day.
	rows := []change{row(first, until.On(last))}
	if open {
		rows = rows[:0]
		for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
			rows = append(rows, row(from.On(day), until.On(day)))
		}
	}
	if _, err := r.DB().NewInsert().Model(&rows).Exec(r.Context); err != nil {
		return err
	}
	return r.Redirect("/availability")
}
