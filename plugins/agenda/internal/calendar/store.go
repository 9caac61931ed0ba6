// Package calendar is the coach's calendar as calendar apps see it over
// CalDAV (the Store the caldav server asks): their appointments, their
// open hours (read-only, computed from their hours) and the events they
// make in the app, with the log apps sync by. It owns what each person's
// apps set for their display of the calendar (agenda_dav_display); the
// rest it reads and writes through the agenda's other services. A call
// carries its request (sdk.RequestFrom): the person, their organisation
// and the host's services.
//
// Example usage:
//
//	store := calendar.New(m, hoursService, bookings, settingsService, notifier)
//	m.Protocol(sdk.HTTP(caldav.New(calendar.Prefix, store)))
package calendar

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"golang.org/x/sync/errgroup"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/agenda/internal/notify"
	"github.com/atriumhq/atrium/plugins/agenda/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Prefix is where calendar apps find the agenda.
const Prefix = "/dav/agenda"

// Store gives calendar apps a coach's calendar: their appointments,
// their open hours (read-only) and the events they make in the app.
type Store struct {
	db       sdk.Database
	hours    *hours.Service
	bookings *booking.Service
	settings *settings.Service
	notify   *notify.Notifier
}

// New is the store on the module's database and the agenda's services.
func New(db sdk.Database, h *hours.Service, b *booking.Service, s *settings.Service, n *notify.Notifier) *Store {
	return &Store{db: db, hours: h, bookings: b, settings: s, notify: n}
}

// zone is the coach's agenda time zone: their own setting, else their
// account's.
func (s *Store) zone(r *sdk.Request) (*time.Location, error) {
	return s.hours.ZoneOf(r.Context, r.OrganisationID(), r.UserID(), func() (string, error) { return r.TimeZone(), nil })
}

// from is the request a call of the caldav server serves.
func from(ctx context.Context) (*sdk.Request, error) {
	r, ok := sdk.RequestFrom(ctx)
	if !ok {
		return nil, errors.New("agenda: a calendar request without its call")
	}
	return r, nil
}

// davPaths are the person's principal, calendar home and calendar.
func davPaths(r *sdk.Request) (principal, home, calendar string) {
	principal = Prefix + "/" + strconv.FormatInt(r.UserID(), 10) + "/"
	return principal, principal + "calendars/", principal + "calendars/agenda/"
}

// CurrentUserPrincipal is the person's principal URL.
func (s *Store) CurrentUserPrincipal(ctx context.Context) (string, error) {
	r, err := from(ctx)
	if err != nil {
		return "", err
	}
	p, _, _ := davPaths(r)
	return p, nil
}

// CalendarHomeSetPath is the collection holding the person's calendar.
func (s *Store) CalendarHomeSetPath(ctx context.Context) (string, error) {
	r, err := from(ctx)
	if err != nil {
		return "", err
	}
	_, h, _ := davPaths(r)
	return h, nil
}

// Principal is the person as calendar apps know them.
func (s *Store) Principal(ctx context.Context) (caldav.Principal, error) {
	r, err := from(ctx)
	if err != nil {
		return caldav.Principal{}, err
	}
	p, h, _ := davPaths(r)
	me := caldav.Principal{Path: p, HomeSet: h, Name: r.UserName()}
	people, err := r.People(r.UserID())
	if err != nil {
		return me, err
	}
	if len(people) == 1 {
		me.Email = people[0].Email
	}
	return me, nil
}

// CreateCalendar is refused: each coach has the one calendar.
func (s *Store) CreateCalendar(context.Context, *webcaldav.Calendar) error {
	return caldav.Errorf(http.StatusForbidden, "each coach has one calendar; no others can be made")
}

// calendarOf is the person's calendar; only coaches have one.
func calendarOf(r *sdk.Request) (*webcaldav.Calendar, bool) {
	if !r.Can("agenda.offer") {
		return nil, false
	}
	_, _, path := davPaths(r)
	return &webcaldav.Calendar{Path: path, Name: r.T("agenda.dav.name", map[string]any{"Organisation": r.OrganisationName()}),
		Description: r.T("agenda.dav.about"), MaxResourceSize: 256 << 10, SupportedComponentSet: []string{ical.CompEvent}}, true
}

// ListCalendars is the person's calendar, none for who is not a coach.
func (s *Store) ListCalendars(ctx context.Context) ([]webcaldav.Calendar, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	if c, ok := calendarOf(r); ok {
		return []webcaldav.Calendar{*c}, nil
	}
	return nil, nil
}

// GetCalendar is the person's calendar when path names it.
func (s *Store) GetCalendar(ctx context.Context, path string) (*webcaldav.Calendar, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	if c, ok := calendarOf(r); ok && strings.TrimSuffix(path, "/") == strings.TrimSuffix(c.Path, "/") {
		return c, nil
	}
	return nil, caldav.Errorf(http.StatusNotFound, "no calendar at %s; a coach's own is below their principal", path)
}

// nameIn is an object's name in the person's calendar, or a 404; someone
// without a calendar (a coachee, an employer contact) has no objects.
func nameIn(r *sdk.Request, path string) (string, error) {
	c, ok := calendarOf(r)
	if !ok {
		return "", caldav.Errorf(http.StatusNotFound, "no object at %s; only coaches have a calendar here", path)
	}
	name, found := strings.CutPrefix(path, c.Path)
	if !found || name == "" || strings.Contains(name, "/") || len(name) > 200 {
		return "", caldav.Errorf(http.StatusNotFound, "no object at %s", path)
	}
	return name, nil
}

// GetCalendarObject is one object, read (go-webdav answers a GET with it).
func (s *Store) GetCalendarObject(ctx context.Context, path string, _ *webcaldav.CalendarCompRequest) (*webcaldav.CalendarObject, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	name, err := nameIn(r, path)
	if err != nil {
		return nil, err
	}
	list, err := s.objectsNamed(r, []string{name}, s.openOf(r), s.eventObjects)
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		if o.Path != path {
			continue
		}
		if o.Data == nil {
			if o.Data, err = caldav.Decode([]byte(o.Text)); err != nil {
				return nil, err
			}
		}
		return &o.CalendarObject, nil
	}
	return nil, caldav.Errorf(http.StatusNotFound, "no object at %s", path)
}

// GetCalendarObjects reads a calendar-multiget's objects at once, as a
// sync reads the objects it names (objectsNamed); the open hours are
// computed only when one of them is asked for.
func (s *Store) GetCalendarObjects(ctx context.Context, paths []string) (map[string]caldav.Object, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	asked := make(map[string]bool, len(paths))
	for _, p := range paths {
		name, err := nameIn(r, p)
		if err != nil {
			continue
		}
		asked[p] = true
		names = append(names, name)
	}
	list, err := s.objectsNamed(r, names, s.openOf(r), s.eventObjects)
	if err != nil {
		return nil, err
	}
	out := make(map[string]caldav.Object, len(list))
	for _, o := range list {
		if asked[o.Path] {
			out[o.Path] = o
		}
	}
	return out, nil
}

// List lists the calendar's objects with their tags and sizes: the
// coach's own events without their data (a listing of 10,000 read and
// decoded every one of them), and with their modification times only when
// asked (parsing 10,000 of them was a fifth of the listing's time).
func (s *Store) List(ctx context.Context, path string, modTimes bool) ([]caldav.Object, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	return s.objectsIn(r, path, s.tagsOnly(modTimes), s.openOf(r))
}

// objectsIn lists the calendar's objects: its appointments, its events as
// events reads them, and its open hours, read at once.
func (s *Store) objectsIn(r *sdk.Request, path string, events eventReader, open openNow) ([]caldav.Object, error) {
	if c, ok := calendarOf(r); !ok || strings.TrimSuffix(path, "/") != strings.TrimSuffix(c.Path, "/") {
		return nil, caldav.Errorf(http.StatusNotFound, "no calendar at %s", path)
	}
	var appointments, own, hours []caldav.Object
	g := new(errgroup.Group)
	g.Go(func() (err error) {
		appointments, err = s.Appointments(r, booking.Scope{})
		return err
	})
	g.Go(func() (err error) {
		own, err = events(r, nil)
		return err
	})
	g.Go(func() (err error) { hours, err = open(); return err })
	err := g.Wait()
	return append(append(appointments, own...), hours...), err
}

// eventReader reads the coach's own events of those names (all of them for
// nil).
type eventReader func(r *sdk.Request, names []string) ([]caldav.Object, error)
