package calendar

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
	"github.com/atriumhq/atrium/plugins/agenda/internal/synclog"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// PutCalendarObject takes an object a calendar app writes: a change to an
// appointment (moved or cancelled there), or an event of the coach's own.
// Open hours are Atrium's and cannot be written. If-Match and If-None-Match
// were judged as the request arrived (caldav.Handler).
func (s *Store) PutCalendarObject(ctx context.Context, path string, cal *ical.Calendar, opts *webcaldav.PutCalendarObjectOptions) (*webcaldav.CalendarObject, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	name, err := nameIn(r, path)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "open-") {
		return nil, caldav.Errorf(http.StatusForbidden, "open hours are kept in Atrium, under My availability")
	}
	zone, err := s.zone(r)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	p, err := events.Parse(cal, zone, now)
	if err != nil {
		return nil, err
	}
	a, err := s.bookings.ByUID(r.Context, r.OrganisationID(), r.UserID(), strings.TrimSuffix(name, ".ics"))
	if err != nil {
		return nil, err
	}
	if a != nil {
		if err := s.appointmentAsExpected(r, a, expectOf(opts)); err != nil {
			return nil, err
		}
		if err := s.changeAppointment(r, a, p, now); err != nil {
			return nil, err
		}
		if strings.EqualFold(p.Status, "CANCELLED") {
			// Cancelled, it leaves the calendar: 204 with no ETag, as
			// for a DELETE (a 404 here read as a failure to the app).
			return &webcaldav.CalendarObject{Path: path}, nil
		}
	} else if err := s.saveEvent(r, name, p, now, expectOf(opts)); err != nil {
		return nil, err
	}
	return s.GetCalendarObject(ctx, path, nil)
}

// changeAppointment applies what the coach did to an appointment in their
// app: cancelled it, or gave it another time; the coachee hears of it.
// Anything else of it (its title, say) stays Atrium's.
func (s *Store) changeAppointment(r *sdk.Request, a *booking.Appointment, p *events.Parsed, now time.Time) error {
	switch {
	case p.UID != a.UID:
		return caldav.Errorf(http.StatusConflict, "an appointment's UID cannot change")
	case a.Status != booking.StatusPlanned:
		return caldav.Errorf(http.StatusForbidden, "this appointment is %s; only planned ones change", a.Status)
	case strings.EqualFold(p.Status, "CANCELLED"):
		return s.cancelFromApp(r, a)
	case p.Start.Equal(a.StartsAt) && p.End.Equal(a.EndsAt):
		return nil
	case !p.End.After(p.Start):
		return caldav.Errorf(http.StatusBadRequest, "an appointment must end after it starts")
	}
	err := s.bookings.Reschedule(r.Context, a, p.Start, p.End, r.T("agenda.dav.moved_in_app"), now)
	if errors.Is(err, booking.ErrTaken) {
		return caldav.Errorf(http.StatusConflict, "that time overlaps another appointment")
	}
	if errors.Is(err, booking.ErrStale) {
		return errChanged
	}
	if err != nil {
		return err
	}
	s.notify.Tell(r, a, "moved")
	return nil
}

// cancelFromApp cancels an appointment the coach deleted or cancelled in
// their app.
func (s *Store) cancelFromApp(r *sdk.Request, a *booking.Appointment) error {
	if err := s.bookings.Settle(r.Context, a, booking.StatusCancelled, r.T("agenda.dav.cancelled_in_app"), time.Now()); err != nil {
		if errors.Is(err, booking.ErrClosed) {
			return caldav.Errorf(http.StatusForbidden, "this appointment is no longer planned")
		}
		if errors.Is(err, booking.ErrStale) {
			return errChanged
		}
		return err
	}
	s.notify.Recount(r, a)
	s.notify.Tell(r, a, "cancelled")
	return nil
}

// expectOf is what a write expects of the object it replaces: that there
// is none (If-None-Match: *), or that it has this ETag (If-Match). The
// handler judged both as the request arrived; the write checks them again
// where it writes, so that of writes sent at once with one ETag only the
// first replaces it.
func expectOf(opts *webcaldav.PutCalendarObjectOptions) events.Expect {
	var e events.Expect
	if opts == nil {
		return e
	}
	e.None = opts.IfNoneMatch.IsWildcard()
	if opts.IfMatch.IsSet() && !opts.IfMatch.IsWildcard() {
		e.ETag, _ = opts.IfMatch.ETag() // a list of tags: judged as it arrived only
	}
	return e
}

var errChanged = caldav.Errorf(http.StatusPreconditionFailed, "the object changed since it was read (If-Match), or is there (If-None-Match)")

// appointmentAsExpected refuses a write to an appointment whose If-Match
// does not name it as read here: the handler judged the ETag as the
// request arrived, and a write between that and this read would be undone
// unseen. Its update then holds to the sequence read (booking.ErrStale).
func (s *Store) appointmentAsExpected(r *sdk.Request, a *booking.Appointment, want events.Expect) error {
	if want.ETag == "" {
		return nil
	}
	list, err := s.Appointments(r, booking.Scope{ID: a.ID, Sequence: a.Sequence})
	if err != nil {
		return err
	}
	if len(list) != 1 || list[0].ETag != want.ETag {
		return errChanged
	}
	return nil
}

// saveEvent keeps an event of the coach's own under its name; its UID may
// not be another object's.
func (s *Store) saveEvent(r *sdk.Request, name string, p *events.Parsed, now time.Time, want events.Expect) error {
	if len(p.UID) > 255 {
		return caldav.Errorf(http.StatusBadRequest, "a UID has at most 255 characters")
	}
	_, _, base := davPaths(r)
	return s.db.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		other, err := events.NameOfUID(ctx, tx, r.OrganisationID(), r.UserID(), p.UID, name)
		if err != nil {
			return err
		}
		if other == "" {
			if other, err = booking.NameOfUID(ctx, tx, r.OrganisationID(), r.UserID(), p.UID); err != nil {
				return err
			}
		}
		if other != "" {
			return caldav.Refuse(http.StatusConflict, "no-uid-conflict", base+other, "another object of this calendar has UID %s", p.UID)
		}
		e := &events.Event{OrganisationID: r.OrganisationID(), CoachID: r.UserID(), Name: name, UID: p.UID, ETag: events.ETag(p.Data), Data: p.Data,
			StartsAt: p.Start, EndsAt: p.End, Recurring: p.Recurring, Until: p.Until, Busy: p.Busy, Simple: p.Simple, UpdatedAt: now.UTC()}
		written, err := events.Save(ctx, tx, e, want)
		if err != nil {
			return err
		}
		if !written {
			return errChanged
		}
		_, err = synclog.Touch(ctx, tx, r.OrganisationID(), r.UserID(), name)
		return err
	})
}

// DeleteCalendarObject removes an event of the coach's own, or cancels an
// appointment deleted in the app.
func (s *Store) DeleteCalendarObject(ctx context.Context, path string) error {
	r, err := from(ctx)
	if err != nil {
		return err
	}
	name, err := nameIn(r, path)
	if err != nil {
		return err
	}
	if strings.HasPrefix(name, "open-") {
		return caldav.Errorf(http.StatusForbidden, "open hours are kept in Atrium, under My availability")
	}
	a, err := s.bookings.ByUID(r.Context, r.OrganisationID(), r.UserID(), strings.TrimSuffix(name, ".ics"))
	if err != nil {
		return err
	}
	// The ETag the app expects, checked where the row goes (see expect).
	want := expectOf(&webcaldav.PutCalendarObjectOptions{IfMatch: webdav.ConditionalMatch(r.Header["If-Match"])})
	if a != nil && a.Status != booking.StatusCancelled {
		if err := s.appointmentAsExpected(r, a, want); err != nil {
			return err
		}
		return s.cancelFromApp(r, a)
	}
	return s.db.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		deleted, err := events.Delete(ctx, tx, r.OrganisationID(), r.UserID(), name, want.ETag)
		if err != nil {
			return err
		}
		if !deleted && want.ETag != "" {
			return errChanged
		} else if !deleted {
			return caldav.Errorf(http.StatusNotFound, "no object at %s", path)
		}
		_, err = synclog.Touch(ctx, tx, r.OrganisationID(), r.UserID(), name)
		return err
	})
}
