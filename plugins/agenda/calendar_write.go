package main

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav"
	webcaldav "github.com/emersion/go-webdav/caldav"
	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/caldav"
	"github.com/atriumhq/atrium/plugins/agenda/internal/events"
	"github.com/atriumhq/atrium/plugins/agenda/internal/synclog"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// PutCalendarObject takes an object a calendar app writes: a change to an
// appointment (moved or cancelled there), or an event of the coach's own.
// Open hours are Atrium's and cannot be written. If-Match and If-None-Match
// were judged as the request arrived (caldav.Handler).
func (s calendarStore) PutCalendarObject(ctx context.Context, path string, cal *ical.Calendar, opts *webcaldav.PutCalendarObjectOptions) (*webcaldav.CalendarObject, error) {
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
	a, err := appointmentByUID(r, strings.TrimSuffix(name, ".ics"))
	if err != nil {
		return nil, err
	}
	if a != nil {
		if err := appointmentAsExpected(r, a, expectOf(opts)); err != nil {
			return nil, err
		}
		if err := changeAppointment(r, a, p, now); err != nil {
			return nil, err
		}
		if strings.EqualFold(p.Status, "CANCELLED") {
			// Cancelled, it leaves the calendar: 204 with no ETag, as
			// for a DELETE (a 404 here read as a failure to the app).
			return &webcaldav.CalendarObject{Path: path}, nil
		}
	} else if err := saveEvent(r, name, p, now, expectOf(opts)); err != nil {
		return nil, err
	}
	return s.GetCalendarObject(ctx, path, nil)
}

// appointmentByUID is the coach's appointment of that UID, nil for none.
func appointmentByUID(r *sdk.Request, uid string) (*appointment, error) {
	a := &appointment{}
	err := r.DB().NewSelect().Model(a).Where("organisation_id = ? AND coach_id = ? AND uid = ?", r.OrganisationID(), r.UserID(), uid).Scan(r.Context)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return a, err
}

// changeAppointment applies what the coach did to an appointment in their
// app: cancelled it, or gave it another time; the coachee hears of it.
// Anything else of it (its title, say) stays Atrium's.
func changeAppointment(r *sdk.Request, a *appointment, p *events.Parsed, now time.Time) error {
	switch {
	case p.UID != a.UID:
		return caldav.Errorf(http.StatusConflict, "an appointment's UID cannot change")
	case a.Status != statusPlanned:
		return caldav.Errorf(http.StatusForbidden, "this appointment is %s; only planned ones change", a.Status)
	case strings.EqualFold(p.Status, "CANCELLED"):
		return cancelFromApp(r, a)
	case p.Start.Equal(a.StartsAt) && p.End.Equal(a.EndsAt):
		return nil
	case !p.End.After(p.Start):
		return caldav.Errorf(http.StatusBadRequest, "an appointment must end after it starts")
	}
	err := reschedule(r.Context, r.DB(), a, p.Start, p.End, r.T("agenda.dav.moved_in_app"), now)
	if errors.Is(err, errTaken) {
		return caldav.Errorf(http.StatusConflict, "that time overlaps another appointment")
	}
	if errors.Is(err, errStale) {
		return errChanged
	}
	if err != nil {
		return err
	}
	tell(r, a, "moved")
	return nil
}

// cancelFromApp cancels an appointment the coach deleted or cancelled in
// their app.
func cancelFromApp(r *sdk.Request, a *appointment) error {
	if err := settleCounted(r, a, statusCancelled, r.T("agenda.dav.cancelled_in_app")); err != nil {
		if errors.Is(err, errClosed) {
			return caldav.Errorf(http.StatusForbidden, "this appointment is no longer planned")
		}
		if errors.Is(err, errStale) {
			return errChanged
		}
		return err
	}
	tell(r, a, "cancelled")
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
// unseen. Its update then holds to the sequence read (errStale).
func appointmentAsExpected(r *sdk.Request, a *appointment, want events.Expect) error {
	if want.ETag == "" {
		return nil
	}
	list, err := appointmentObjects(r, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("id = ? AND sequence = ?", a.ID, a.Sequence)
	})
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
func saveEvent(r *sdk.Request, name string, p *events.Parsed, now time.Time, want events.Expect) error {
	if len(p.UID) > 255 {
		return caldav.Errorf(http.StatusBadRequest, "a UID has at most 255 characters")
	}
	_, _, base := davPaths(r)
	return r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		other, err := events.NameOfUID(ctx, tx, r.OrganisationID(), r.UserID(), p.UID, name)
		if err != nil {
			return err
		}
		if other == "" {
			var a []appointment
			if err := tx.NewSelect().Model(&a).Where("organisation_id = ? AND coach_id = ? AND uid = ?", r.OrganisationID(), r.UserID(), p.UID).Limit(1).Scan(ctx); err != nil {
				return err
			}
			for _, x := range a {
				other = x.objectName()
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
func (s calendarStore) DeleteCalendarObject(ctx context.Context, path string) error {
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
	a, err := appointmentByUID(r, strings.TrimSuffix(name, ".ics"))
	if err != nil {
		return err
	}
	// The ETag the app expects, checked where the row goes (see expect).
	want := expectOf(&webcaldav.PutCalendarObjectOptions{IfMatch: webdav.ConditionalMatch(r.Header["If-Match"])})
	if a != nil && a.Status != statusCancelled {
		if err := appointmentAsExpected(r, a, want); err != nil {
			return err
		}
		return cancelFromApp(r, a)
	}
	return r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
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
