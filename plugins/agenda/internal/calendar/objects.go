package calendar

import (
	"strconv"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Appointments are the coach's appointments (but cancelled ones)
// within the scope, as calendar objects named after their UID, the coachee
// named as the organisation lets calendar apps name them.
func (s *Store) Appointments(r *sdk.Request, scope booking.Scope) ([]caldav.Object, error) {
	list, err := s.bookings.InCalendar(r.Context, r.OrganisationID(), r.UserID(), scope)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	org, err := s.settings.Of(r.Context, r.OrganisationID())
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, a := range list {
		ids = append(ids, a.CoacheeID)
	}
	people, err := r.PeopleByID(ids...)
	if err != nil {
		return nil, err
	}
	who := map[int64]string{}
	for id, p := range people {
		who[id] = org.Named(p.Name)
	}
	_, _, base := davPaths(r)
	out := make([]caldav.Object, 0, len(list))
	for _, a := range list {
		e := a.Event(r.T("agenda.event.summary", map[string]any{"Who": who[a.CoacheeID]}), a.UpdatedAt)
		description := r.T("agenda.status."+a.Status) + " · " + a.SessionType
		if a.Theme != "" {
			description += " · " + a.Theme
		}
		e.Props.SetText(ical.PropDescription, description)
		out = append(out, caldav.Object{CalendarObject: webcaldav.CalendarObject{Path: base + a.ObjectName(), ModTime: a.UpdatedAt, Data: booking.CalendarWith(e.Component),
			ETag: events.ETag(a.UID, strconv.Itoa(a.Sequence), a.UpdatedAt.UTC().Format(time.RFC3339Nano), a.Status, org.Names(), who[a.CoacheeID])}})
	}
	return out, nil
}

// eventObjects are the coach's own events of those names (all of them for
// nil), as their app sent them: their text, not read (whoever needs more
// reads it).
func (s *Store) eventObjects(r *sdk.Request, names []string) ([]caldav.Object, error) {
	list, err := events.List(r.Context, s.db.DB(), r.OrganisationID(), r.UserID(), names)
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
func (s *Store) eventTags(r *sdk.Request, names []string, modTimes bool) ([]caldav.Object, error) {
	list, err := events.Tags(r.Context, s.db.DB(), r.OrganisationID(), r.UserID(), names, modTimes)
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
