package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"golang.org/x/sync/errgroup"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
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
func (s *Store) openObjects(r *sdk.Request) ([]caldav.Object, error) {
	zone, err := s.zone(r)
	if err != nil {
		return nil, err
	}
	first, last := openSpan(zone)
	coach, err := s.bookings.Coach(r.Context, r.OrganisationID(), r.UserID(), zone, first, last)
	if err != nil {
		return nil, err
	}
	_, _, base := davPaths(r)
	var out []caldav.Object
	for d := first; d.Before(last); d = d.AddDate(0, 0, 1) {
		for _, slot := range coach.OpenOn(d) {
			local := slot.Start.In(zone).Format("20060102T1504")
			summary := r.T("agenda.dav.open", map[string]any{"Place": slot.Place})
			e := ical.NewEvent()
			e.Props.SetText(ical.PropUID, "open-"+strconv.FormatInt(r.UserID(), 10)+"-"+local+"@atrium")
			e.Props.SetDateTime(ical.PropDateTimeStamp, slot.Start.UTC())
			e.Props.SetDateTime(ical.PropDateTimeStart, slot.Start.UTC())
			e.Props.SetDateTime(ical.PropDateTimeEnd, slot.End.UTC())
			e.Props.SetText(ical.PropSummary, summary)
			e.Props.SetText(ical.PropLocation, slot.Place)
			e.Props.SetText(ical.PropTransparency, "TRANSPARENT")
			out = append(out, caldav.Object{CalendarObject: webcaldav.CalendarObject{Path: base + "open-" + local + ".ics", Data: booking.CalendarWith(e.Component),
				ETag: events.ETag(local, slot.Start.UTC().String(), slot.End.UTC().String(), slot.Place, summary)}})
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
func (s *Store) openOf(r *sdk.Request) openNow {
	return func() ([]caldav.Object, error) { return s.openObjects(r) }
}

// openInputs is a digest of what the coach's open hours are computed from
// but for their appointments and busy events (whose changes the calendar's
// log numbers): the span's first day, the zone, the weekly hours, the
// changes within the span and the words apps are shown. Computing nine
// weeks of open hours is most of a sync's work; with this, a sync does it
// only when one of them, or the log, moved.
func (s *Store) openInputs(r *sdk.Request) (string, error) {
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
		changes, err = hours.ChangesBetween(r.Context, s.db.DB(), r.OrganisationID(), r.UserID(), now.AddDate(0, 0, -openBack-3), now.AddDate(0, 0, openAhead+3))
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
