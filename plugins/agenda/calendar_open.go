package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// The open hours shown in calendar apps: from a week back to eight ahead.
const (
	openBack  = 7
	openAhead = 56
)

// openSpan is the days whose open hours apps are shown, from the coach's
// today in their zone.
func openSpan(zone *time.Location) (first, last time.Time) {
	now := time.Now().In(zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
	return today.AddDate(0, 0, -openBack), today.AddDate(0, 0, openAhead)
}

// openObjects are the coach's open hours over the span, one free-time
// event per stretch, named after its local start.
func (s calendarStore) openObjects(r *sdk.Request) ([]caldav.Object, error) {
	zone, err := s.zone(r)
	if err != nil {
		return nil, err
	}
	first, last := openSpan(zone)
	coach, err := load(r.Context, r.DB(), r.OrganisationID(), r.UserID(), zone, first, last, 0)
	if err != nil {
		return nil, err
	}
	_, _, base := davPaths(r)
	var out []caldav.Object
	for d := first; d.Before(last); d = d.AddDate(0, 0, 1) {
		for _, s := range coach.OpenOn(d) {
			local := s.Start.In(zone).Format("20060102T1504")
			summary := r.T("agenda.dav.open", map[string]any{"Place": s.Place})
			e := ical.NewEvent()
			e.Props.SetText(ical.PropUID, "open-"+strconv.FormatInt(r.UserID(), 10)+"-"+local+"@atrium")
			e.Props.SetDateTime(ical.PropDateTimeStamp, s.Start.UTC())
			e.Props.SetDateTime(ical.PropDateTimeStart, s.Start.UTC())
			e.Props.SetDateTime(ical.PropDateTimeEnd, s.End.UTC())
			e.Props.SetText(ical.PropSummary, summary)
			e.Props.SetText(ical.PropLocation, s.Place)
			e.Props.SetText(ical.PropTransparency, "TRANSPARENT")
			out = append(out, caldav.Object{CalendarObject: webcaldav.CalendarObject{Path: base + "open-" + local + ".ics", Data: calendarWith(e.Component),
				ETag: etagOf(local, s.Start.UTC().String(), s.End.UTC().String(), s.Place, summary)}})
		}
	}
	return out, nil
}

// meetsOpenSpan says whether [start, end) may meet the days whose open
// hours apps are shown, whatever the coach's zone: a month's query a year
// ahead need not compute nine weeks of them.
func meetsOpenSpan(start, end time.Time) bool {
	now := time.Now()
	first, last := now.AddDate(0, 0, -openBack-2), now.AddDate(0, 0, openAhead+2)
	return (end.IsZero() || end.After(first)) && (start.IsZero() || start.Before(last))
}

// openOf gives the coach's open hours, computed each time it is called.
func (s calendarStore) openOf(r *sdk.Request) openNow {
	return func() ([]caldav.Object, error) { return s.openObjects(r) }
}

// openInputs is a digest of what the coach's open hours are computed from
// but for their appointments and busy events (whose changes the calendar's
// log numbers): the span's first day, the zone, the weekly hours, the
// changes within the span and the words apps are shown. Computing nine
// weeks of open hours is most of a sync's work; with this, a sync does it
// only when one of them, or the log, moved.
func (s calendarStore) openInputs(r *sdk.Request) (string, error) {
	// Three reads at once, one round trip's wait: the changes are read for
	// the span in any zone and kept below for the coach's.
	var zone *time.Location
	var weekly []hours.Block
	var changes []hours.Change
	now := time.Now()
	g := new(errgroup.Group)
	g.Go(func() (err error) { zone, err = s.zone(r); return err })
	g.Go(func() (err error) {
		weekly, err = s.hours.Weekly(r.Context, r.OrganisationID(), r.UserID())
		return err
	})
	g.Go(func() (err error) {
		changes, err = hours.ChangesBetween(r.Context, r.DB(), r.OrganisationID(), r.UserID(), now.AddDate(0, 0, -openBack-3), now.AddDate(0, 0, openAhead+3))
		return err
	})
	if err := g.Wait(); err != nil {
		return "", err
	}
	first, last := openSpan(zone)
	h := sha256.New()
	fmt.Fprintf(h, "%s %s %q\n", first.Format(time.DateOnly), zone, r.T("agenda.dav.open", map[string]any{"Place": "\x00"}))
	for _, w := range weekly {
		fmt.Fprintf(h, "w %d %d %d %q\n", w.Weekday, w.StartMin, w.EndMin, w.Place)
	}
	// The span as load reads it: whole days around it.
	for _, c := range changes {
		if c.EndsAt.After(first.Add(-24*time.Hour)) && c.StartsAt.Before(last.Add(24*time.Hour)) {
			fmt.Fprintf(h, "c %d %d %d %t %q\n", c.ID, c.StartsAt.Unix(), c.EndsAt.Unix(), c.Open, c.Place)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// openStamp is what a calendar's row keeps of the inputs its open hours
// were compared at: their digest and the log's number then.
func openStamp(inputs string, change int64) string {
	return inputs + "@" + strconv.FormatInt(change, 10)
}

// reconcileOpen logs the open-hours objects that appeared, changed or went
// since apps were last told, remembers what they are told now, and stamps
// the calendar with the inputs they came from (read at the log's number
// seen, before they were computed). A change logged by someone else
// meanwhile leaves the stamp behind the log: the next sync compares again.
func reconcileOpen(ctx context.Context, tx bun.Tx, orgID, coachID int64, now map[string]string, inputs string, seen int64) error {
	// The calendar's row first: its lock makes syncs at once take turns,
	// and the later one finds what the first told (two wrote the same rows:
	// a duplicate key on PostgreSQL).
	if _, err := tx.NewInsert().Model(&davCalendar{OrganisationID: orgID, CoachID: coachID}).
		On("CONFLICT (organisation_id, coach_id) DO UPDATE").Set("open_inputs = ?TableAlias.open_inputs").Exec(ctx); err != nil {
		return err
	}
	var told []davOpen
	if err := tx.NewSelect().Model(&told).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Scan(ctx); err != nil {
		return err
	}
	var changed []string
	known := map[string]bool{}
	for _, o := range told {
		known[o.Name] = true
		if etag, ok := now[o.Name]; !ok || etag != o.ETag {
			changed = append(changed, o.Name)
		}
	}
	for name := range now {
		if !known[name] {
			changed = append(changed, name)
		}
	}
	stamp := seen
	if len(changed) > 0 {
		if _, err := tx.NewDelete().Model((*davOpen)(nil)).Where("organisation_id = ? AND coach_id = ?", orgID, coachID).Exec(ctx); err != nil {
			return err
		}
		if len(now) > 0 {
			rows := make([]davOpen, 0, len(now))
			for name, etag := range now {
				rows = append(rows, davOpen{OrganisationID: orgID, CoachID: coachID, Name: name, ETag: etag})
			}
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return err
			}
		}
		last, err := touch(ctx, tx, orgID, coachID, changed...)
		if err != nil {
			return err
		}
		if last == seen+int64(len(changed)) {
			stamp = last // only these changes since: the stamp may include them
		}
	}
	_, err := tx.NewInsert().Model(&davCalendar{OrganisationID: orgID, CoachID: coachID, OpenInputs: openStamp(inputs, stamp)}).
		On("CONFLICT (organisation_id, coach_id) DO UPDATE").Set("open_inputs = EXCLUDED.open_inputs").Exec(ctx)
	return err
}
