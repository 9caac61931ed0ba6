package main

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// How calendar apps name coachees, as the organisation chooses.
const (
	namesInitials = "initials" // "K.B.": the default, the least a calendar app needs
	namesFull     = "full"     // "Kim Bakker"
)

// orgSettings are the organisation's own agenda settings.
type orgSettings struct {
	bun.BaseModel  `bun:"table:agenda_org_settings"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	CalendarNames  string `bun:"calendar_names,notnull"`
	// Remind is when coachees are reminded of a session: hours before
	// ("2", "24", "48"), "off", or "" for a day before.
	Remind string `bun:"remind,notnull"`
}

// settingsOf reads the organisation's agenda settings; one that never
// chose has the zero ones (initials, reminders a day before).
func settingsOf(r *sdk.Request) (orgSettings, error) {
	s := orgSettings{}
	err := r.DB().NewSelect().Model(&s).Where("organisation_id = ?", r.OrganisationID()).Scan(r.Context)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return s, err
}

// names is how the organisation lets calendar apps name coachees.
func (s orgSettings) names() string {
	if s.CalendarNames == namesFull {
		return namesFull
	}
	return namesInitials
}

// calendarNames is how the organisation lets calendar apps name coachees.
func calendarNames(r *sdk.Request) (string, error) {
	s, err := settingsOf(r)
	return s.names(), err
}

// initials shortens a name to the first letter of each part: "Kim Bakker"
// is "K.B.".
func initials(name string) string {
	var b strings.Builder
	for _, part := range strings.Fields(name) {
		if c, _ := utf8.DecodeRuneInString(part); unicode.IsLetter(c) {
			b.WriteRune(c)
			b.WriteByte('.')
		}
	}
	return b.String()
}

// appointmentObjects are the coach's appointments (but cancelled ones) that
// where keeps, as calendar objects named after their UID.
func appointmentObjects(r *sdk.Request, where func(*bun.SelectQuery) *bun.SelectQuery) ([]caldav.Object, error) {
	var list []appointment
	q := r.DB().NewSelect().Model(&list).Where("organisation_id = ? AND coach_id = ? AND status <> ?", r.OrganisationID(), r.UserID(), statusCancelled)
	if err := where(q).Order("starts_at").Scan(r.Context); err != nil || len(list) == 0 {
		return nil, err
	}
	names, err := calendarNames(r)
	if err != nil {
		return nil, err
	}
	who := map[int64]string{}
	var ids []int64
	for _, a := range list {
		if _, ok := who[a.CoacheeID]; !ok {
			who[a.CoacheeID] = ""
			ids = append(ids, a.CoacheeID)
		}
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 1000)]
		ids = ids[len(batch):]
		people, err := r.People(batch...)
		if err != nil {
			return nil, err
		}
		for _, p := range people {
			who[p.ID] = p.Name
			if names == namesInitials {
				who[p.ID] = initials(p.Name)
			}
		}
	}
	_, _, base := davPaths(r)
	out := make([]caldav.Object, 0, len(list))
	for _, a := range list {
		e := event(a, r.T("agenda.event.summary", map[string]any{"Who": who[a.CoacheeID]}), a.UpdatedAt)
		description := r.T("agenda.status."+a.Status) + " · " + a.SessionType
		if a.Theme != "" {
			description += " · " + a.Theme
		}
		e.Props.SetText(ical.PropDescription, description)
		out = append(out, caldav.Object{CalendarObject: webcaldav.CalendarObject{Path: base + a.objectName(), ModTime: a.UpdatedAt, Data: calendarWith(e.Component),
			ETag: events.ETag(a.UID, strconv.Itoa(a.Sequence), a.UpdatedAt.UTC().Format(time.RFC3339Nano), a.Status, names, who[a.CoacheeID])}})
	}
	return out, nil
}

// eventObjects are the coach's own events of those names (all of them for
// nil), as their app sent them: their text, not read (whoever needs more
// reads it).
func eventObjects(r *sdk.Request, names []string) ([]caldav.Object, error) {
	list, err := events.List(r.Context, r.DB(), r.OrganisationID(), r.UserID(), names)
	if err != nil {
		return nil, err
	}
	_, _, base := davPaths(r)
	out := make([]caldav.Object, 0, len(list))
	for _, e := range list {
		out = append(out, caldav.Object{CalendarObject: webcaldav.CalendarObject{Path: base + e.Name, ModTime: e.UpdatedAt, ETag: e.ETag, ContentLength: int64(len(e.Data))}, Text: e.Data})
	}
	return out, nil
}

// eventTags are the coach's own events of those names (all of them for
// nil), with their tags and sizes but not their data (a listing that asks
// for no more), and with their modification times when modTimes.
func eventTags(r *sdk.Request, names []string, modTimes bool) ([]caldav.Object, error) {
	list, err := events.Tags(r.Context, r.DB(), r.OrganisationID(), r.UserID(), names, modTimes)
	if err != nil {
		return nil, err
	}
	_, _, base := davPaths(r)
	out := make([]caldav.Object, 0, len(list))
	for _, e := range list {
		out = append(out, caldav.Object{CalendarObject: webcaldav.CalendarObject{Path: base + e.Name, ModTime: e.UpdatedAt, ETag: e.ETag, ContentLength: e.Size}})
	}
	return out, nil
}
