package caldav

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// Error is a refusal with the HTTP status it answers: a store returns one
// for what the client got wrong (404, 403, 412, 400…); any other error is
// the server's fault, a 500.
type Error struct {
	Status int
	Err    error
	// Precondition names the DAV or CalDAV precondition that failed
	// ("no-uid-conflict"), with the object it names when there is one.
	Precondition, Href string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error.
func Errorf(status int, format string, args ...any) error {
	return &Error{Status: status, Err: fmt.Errorf(format, args...)}
}

// Refuse makes an Error naming a failed precondition (RFC 4791 §1.3):
// calendar apps read the element, not the text.
func Refuse(status int, precondition, href, format string, args ...any) error {
	return &Error{Status: status, Err: fmt.Errorf(format, args...), Precondition: precondition, Href: href}
}

func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return http.StatusInternalServerError
}

// backend hands the store to go-webdav, with refusals in the form it
// answers with their status.
type backend struct{ Store }

func coded(err error) error {
	var e *Error
	if err != nil && errors.As(err, &e) {
		return webdav.NewHTTPError(e.Status, err)
	}
	return err
}

func (b backend) CalendarHomeSetPath(ctx context.Context) (string, error) {
	s, err := b.Store.CalendarHomeSetPath(ctx)
	return s, coded(err)
}

func (b backend) CurrentUserPrincipal(ctx context.Context) (string, error) {
	s, err := b.Store.CurrentUserPrincipal(ctx)
	return s, coded(err)
}

func (b backend) CreateCalendar(ctx context.Context, c *caldav.Calendar) error {
	return coded(b.Store.CreateCalendar(ctx, c))
}

func (b backend) ListCalendars(ctx context.Context) ([]caldav.Calendar, error) {
	list, err := b.Store.ListCalendars(ctx)
	return list, coded(err)
}

func (b backend) GetCalendar(ctx context.Context, path string) (*caldav.Calendar, error) {
	c, err := b.Store.GetCalendar(ctx, path)
	return c, coded(err)
}

func (b backend) GetCalendarObject(ctx context.Context, path string, req *caldav.CalendarCompRequest) (*caldav.CalendarObject, error) {
	o, err := b.Store.GetCalendarObject(ctx, path, req)
	return o, coded(err)
}

// ListCalendarObjects is go-webdav's listing, which this package answers
// itself (propfind.go); it is here for go-webdav's interface, without data.
func (b backend) ListCalendarObjects(ctx context.Context, path string, _ *caldav.CalendarCompRequest) ([]caldav.CalendarObject, error) {
	list, err := b.Store.List(ctx, path, true)
	out := make([]caldav.CalendarObject, 0, len(list))
	for _, o := range list {
		out = append(out, o.CalendarObject)
	}
	return out, coded(err)
}

// QueryCalendarObjects is go-webdav's calendar-query, which this package
// answers itself (query.go); it is here for go-webdav's interface, with
// each object's data read.
func (b backend) QueryCalendarObjects(ctx context.Context, path string, q *caldav.CalendarQuery) ([]caldav.CalendarObject, error) {
	list, err := b.Store.Query(ctx, path, &Query{CalendarQuery: *q}, true)
	if err != nil {
		return nil, coded(err)
	}
	out := make([]caldav.CalendarObject, 0, len(list))
	for _, o := range list {
		if o.Data == nil {
			if o.Data, err = Decode([]byte(o.Text)); err != nil {
				return nil, err
			}
		}
		out = append(out, o.CalendarObject)
	}
	return out, nil
}

func (b backend) PutCalendarObject(ctx context.Context, path string, cal *ical.Calendar, opts *caldav.PutCalendarObjectOptions) (*caldav.CalendarObject, error) {
	o, err := b.Store.PutCalendarObject(ctx, path, cal, opts)
	return o, coded(err)
}

func (b backend) DeleteCalendarObject(ctx context.Context, path string) error {
	return coded(b.Store.DeleteCalendarObject(ctx, path))
}
