// Package caldav serves calendars to calendar apps. go-webdav's CalDAV
// server answers the calendar objects (GET, PUT, DELETE) and the
// calendar-query and calendar-multiget reports; this package adds what the
// apps need and the library lacks: the collections' properties (principal
// URL, calendar-user-address-set, display name, getctag, sync-token,
// supported-report-set), sync-collection (RFC 6578) so that apps fetch
// only what changed, PROPPATCH of presentation properties (Apple Calendar
// sets colour and order after set-up), PUT and DELETE with their
// preconditions (If-Match, If-None-Match; 201 or 204; failures named by
// their RFC 4791 element), and bounds on what a request may send.
package caldav

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// Principal is the signed-in person as calendar apps know them.
type Principal struct {
	Path    string // their principal URL, ending in "/"
	HomeSet string // the collection holding their calendars
	Name    string
	Email   string
}

// Object is a calendar object as a store has it: go-webdav's object and,
// for one the store keeps as it was sent, that text, which answers send as
// it is (decoding and encoding every event again was a third of a month's
// query). Data may be nil where Text is set.
type Object struct {
	caldav.CalendarObject
	Text string
}

// calendarText is the object as iCalendar text.
func (o Object) calendarText() (string, error) {
	if o.Text != "" || o.Data == nil {
		return o.Text, nil
	}
	return encodeCalendar(o.Data)
}

// Store is what the server asks of the application: go-webdav's backend
// for a single object (GET, and the ETag preconditions read) and the
// collections, and the rest for the reports and properties this package
// answers itself.
type Store interface {
	webdav.UserPrincipalBackend
	CalendarHomeSetPath(ctx context.Context) (string, error)
	CreateCalendar(ctx context.Context, calendar *caldav.Calendar) error
	ListCalendars(ctx context.Context) ([]caldav.Calendar, error)
	GetCalendar(ctx context.Context, path string) (*caldav.Calendar, error)
	GetCalendarObject(ctx context.Context, path string, req *caldav.CalendarCompRequest) (*caldav.CalendarObject, error)
	// List lists a calendar's objects with their tags and sizes but not
	// their data (a PROPFIND's listing), with their modification times
	// when modTimes (the listing asks for getlastmodified).
	List(ctx context.Context, calendar string, modTimes bool) ([]Object, error)
	PutCalendarObject(ctx context.Context, path string, calendar *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error)
	DeleteCalendarObject(ctx context.Context, path string) error

	Principal(ctx context.Context) (Principal, error)
	// Presentation is what the person's apps set for their own display of
	// their calendar (colour, order, name), and SetPresentation keeps it:
	// Apple Calendar sets its colour back when the server forgets it.
	Presentation(ctx context.Context, calendar string) (map[xml.Name]string, error)
	SetPresentation(ctx context.Context, calendar string, set map[xml.Name]string, remove []xml.Name) error
	// Query answers a calendar-query: the calendar's objects its filter
	// matches (RFC 4791 §9.7), with their modification times when modTimes
	// (the answer asks for getlastmodified).
	Query(ctx context.Context, calendar string, q *Query, modTimes bool) ([]Object, error)
	// GetCalendarObjects are the objects at those paths that exist, by
	// path, read at once (a calendar-multiget's).
	GetCalendarObjects(ctx context.Context, paths []string) (map[string]Object, error)
	// Changes is what changed in the calendar after a position: the
	// changed objects as they are now (every object for a first sync) and
	// the paths of those removed, at most limit of them (0: all), and the
	// position to continue from. With their data when want.Data, at most
	// MaxAnswer bytes of it (a page cut short there is truncated as by a
	// limit). A Since of -1 asks for the position now alone.
	// ErrUnknownToken for a position the calendar never gave.
	Changes(ctx context.Context, calendar string, from Position, limit int, want Want) (Page, error)
}

// Want is what an answer carries of each object beyond its tag and size.
type Want struct {
	Data     bool // its calendar data
	ModTimes bool // its modification time
}

// Limits on what one request may send.
const (
	maxXML      = 1 << 20   // a PROPFIND, PROPPATCH or REPORT body
	maxCalendar = 256 << 10 // one calendar object
)

// Handler is the calendar server below Prefix.
type Handler struct {
	store  Store
	prefix string
	dav    *caldav.Handler
}

// New serves the store's calendars below prefix ("/dav/agenda").
func New(prefix string, store Store) *Handler {
	prefix = strings.TrimSuffix(prefix, "/")
	return &Handler{store: store, prefix: prefix, dav: &caldav.Handler{Backend: backend{store}, Prefix: prefix}}
}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	limit := int64(maxXML)
	if r.Method == http.MethodPut {
		limit = maxCalendar
	}
	if r.ContentLength > limit {
		davError(w, http.StatusRequestEntityTooLarge, "max-resource-size", "the body is larger than this server takes")
		return
	}
	body, err := readBody(r, limit)
	if err != nil {
		davError(w, http.StatusRequestEntityTooLarge, "max-resource-size", "the body is larger than this server takes")
		return
	}
	switch r.Method {
	case http.MethodPut:
		if existed, ok := h.preconditions(w, r); ok {
			h.put(w, r, body, existed)
		}
		return
	case http.MethodDelete:
		if _, ok := h.preconditions(w, r); !ok {
			return
		}
	case "PROPFIND":
		if h.kind(r.URL.Path) != kindObject {
			h.propfind(w, r, body)
			return
		}
	case "PROPPATCH":
		h.proppatch(w, r, body)
		return
	case "REPORT":
		switch reportName(body) {
		case xml.Name{Space: nsDAV, Local: "sync-collection"}:
			h.sync(w, r, body)
			return
		case xml.Name{Space: nsCalDAV, Local: "calendar-multiget"}:
			h.multiget(w, r, body)
			return
		case xml.Name{Space: nsCalDAV, Local: "calendar-query"}:
			h.query(w, r, body)
			return
		}
		// A calendar that is not there has no objects to report: go-webdav
		// would answer a multiget with each object's own 404 inside a 207.
		if h.kind(r.URL.Path) == kindCalendar {
			if _, err := h.store.GetCalendar(r.Context(), r.URL.Path); err != nil {
				serveError(w, err)
				return
			}
		}
		// go-webdav reads only bodies said to be XML; some apps say nothing.
		if r.Header.Get("Content-Type") == "" {
			r.Header.Set("Content-Type", "application/xml")
		}
	case "MKCOL", "MKCALENDAR", "COPY", "MOVE", "LOCK", "UNLOCK":
		davError(w, http.StatusForbidden, "", "this server keeps one calendar per person and its objects; it makes no collections and moves nothing")
		return
	}
	h.dav.ServeHTTP(w, r)
}

// Resource kinds, by depth below the prefix.
const (
	kindRoot = iota
	kindPrincipal
	kindHome
	kindCalendar
	kindObject
)

// kind tells what a path names: the root, a principal, a home set, a
// calendar or an object, as go-webdav lays them out.
func (h *Handler) kind(p string) int {
	p = strings.Trim(strings.TrimPrefix(p, h.prefix), "/")
	if p == "" {
		return kindRoot
	}
	return min(strings.Count(p, "/")+1, kindObject)
}
