package main

import (
	"bytes"
	"time"

	"github.com/emersion/go-ical"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/notify"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Feed is the person's appointments as one calendar, for apps that only
// subscribe to an address: a coach's (named as the organisation allows),
// or a coachee's own, from a month back to a year ahead.
func (h *Handlers) Feed(r *sdk.Request) error {
	now := time.Now()
	from, to := now.AddDate(0, -1, 0).UTC(), now.AddDate(1, 0, 0).UTC()
	var events []*ical.Component
	if r.Can("agenda.offer") {
		objects, err := h.Calendar.Appointments(r, booking.Scope{From: from, To: to})
		if err != nil {
			return err
		}
		for _, o := range objects {
			events = append(events, o.Data.Children...)
		}
	} else {
		list, err := h.Bookings.OfCoachee(r.Context, r.OrganisationID(), r.UserID(), from, to)
		if err != nil {
			return err
		}
		for _, v := range viewsOf(r, list, time.UTC) {
			if v.Status != booking.StatusCancelled {
				events = append(events, v.Event(r.T("agenda.event.summary", map[string]any{"Who": v.With}), v.UpdatedAt).Component)
			}
		}
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, booking.ProdID)
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText("X-WR-CALNAME", r.T("agenda.dav.name", map[string]any{"Organisation": r.OrganisationName()}))
	cal.Children = events
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return err
	}
	r.SetHeader("Cache-Control", "private, max-age=300")
	return r.Raw(200, "text/calendar; charset=utf-8", buf.Bytes())
}

// FeedPost makes a new feed address (shown once) or revokes it, from the
// page the person is on.
func (h *Handlers) FeedPost(r *sdk.Request) error {
	if !r.Can("agenda.offer") && !r.Can("agenda.book") {
		return sdk.ErrForbidden
	}
	back := "/book"
	if r.Can("agenda.offer") {
		back = "/availability"
	}
	if r.Form.Get("action") == "revoke" {
		if err := r.RevokeFeedAddress(); err != nil {
			return err
		}
		return r.Redirect(back)
	}
	f, err := r.NewFeedAddress()
	if err != nil {
		return err
	}
	// The address is shown once, on the page the redirect does not reach:
	// render the page with it instead.
	if back == "/availability" {
		return h.renderAvailability(r, 200, newForm(), f.URL)
	}
	b, err := h.bookableFor(r, chosenType(r))
	if err != nil {
		return err
	}
	return h.renderBook(r, b, 200, "", map[string]string{}, f.URL)
}

// appsView is the "calendar apps" card: the server's address and the
// person's for CalDAV (coaches), and their feed address: whether there is
// one, since when, and the new one once when just made.
type appsView struct {
	Server, Email string
	CalDAV        bool
	Active        bool
	Created       string
	Fresh         string
}

// appsOf is the person's "calendar apps" card, with fresh the feed address
// just made.
func appsOf(r *sdk.Request, fresh string) (*appsView, error) {
	f, err := r.FeedAddress()
	if err != nil {
		return nil, err
	}
	people, err := r.People(r.UserID())
	if err != nil {
		return nil, err
	}
	email := ""
	if len(people) == 1 {
		email = people[0].Email
	}
	v := &appsView{Server: r.BaseURL() + "/", Email: email, CalDAV: r.Can("agenda.offer"), Active: f.Active, Fresh: fresh}
	if f.Active {
		v.Created = notify.When(r.T, f.Created.In(sdk.Zone(r.TimeZone())))
	}
	return v, nil
}
