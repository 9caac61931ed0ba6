package main

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// tmplAppointment is one appointment with what its coach or coachee may
// do with it.
const tmplAppointment = "appointment"

// appointmentView is an appointment's page: the appointment as the viewer
// reads it, what they may do with it (Coach: they are its coach), and the
// forms to do it.
type appointmentView struct {
	form
	A                  apptView
	Coach              bool
	Themes             []settings.Theme
	Ahead              bool // still to come
	Begun              bool // planned and begun: its outcome can be said
	Zone               string
	Booked             bool // just booked
	MoveDate, MoveTime string
}

// mine reads the appointment the route names when the request's person is
// its coach or its coachee; anyone else gets a 404, as if it did not exist.
func (h *Handlers) mine(r *sdk.Request) (*booking.Appointment, error) {
	id, err := r.ParamID("id")
	if err != nil {
		return nil, err
	}
	return h.Bookings.Mine(r.Context, r.OrganisationID(), r.UserID(), id)
}

// mineAsCoach is mine for what only the appointment's coach may do: the
// coachee gets a 404 too.
func (h *Handlers) mineAsCoach(r *sdk.Request) (*booking.Appointment, error) {
	a, err := h.mine(r)
	if err != nil {
		return nil, err
	}
	if a.CoachID != r.UserID() {
		return nil, booking.ErrNotFound
	}
	return a, nil
}

// settle settles the appointment and counts the trajectory's sessions
// again; a count that fails is logged, the outcome stands.
func (h *Handlers) settle(r *sdk.Request, a *booking.Appointment, status, reason string) error {
	if err := h.Bookings.Settle(r.Context, a, status, reason, time.Now()); err != nil {
		return err
	}
	h.Notify.Recount(r, a)
	return nil
}

// Appointment shows one appointment with what its coach or coachee may do
// with it.
func (h *Handlers) Appointment(r *sdk.Request) error {
	a, err := h.mine(r)
	if err != nil {
		return err
	}
	return h.renderAppointment(r, 200, a, newForm())
}

// renderAppointment shows the appointment with a form sent back.
func (h *Handlers) renderAppointment(r *sdk.Request, status int, a *booking.Appointment, f form) error {
	zone := sdk.Zone(r.TimeZone())
	coach := a.CoachID == r.UserID()
	if coach {
		z, err := h.zoneOf(r, r.UserID())
		if err != nil {
			return err
		}
		zone = z
	}
	themes, err := h.Settings.Themes(r.Context, r.OrganisationID())
	if err != nil {
		return err
	}
	now := time.Now()
	return r.RenderStatus(status, tmplAppointment, "agenda.appointment.title", appointmentView{form: f, A: viewsOf(r, []booking.Appointment{*a}, zone)[0],
		Coach: coach, Themes: themes, Ahead: a.Ahead(now), Begun: a.Status == booking.StatusPlanned && !a.StartsAt.After(now), Zone: zone.String(),
		Booked: r.Query.Get("booked") != "", MoveDate: a.StartsAt.In(zone).Format(time.DateOnly), MoveTime: a.StartsAt.In(zone).Format("15:04")})
}

// problem is a form with nothing sent back and one problem.
func problem(field, message string) form {
	return form{Problems: map[string]string{field: message}}
}

// reasonOf reads a reason from the form: required for a cancellation, at
// most 500 characters.
func reasonOf(r *sdk.Request, required bool, problems map[string]string) string {
	reason := strings.TrimSpace(r.Form.Get("reason"))
	if (required && reason == "") || utf8.RuneCountInString(reason) > 500 {
		problems["reason"] = "agenda.error.reason"
	}
	return reason
}

// AppointmentCancelPost cancels a planned appointment that has not begun,
// with a reason; coach or coachee.
func (h *Handlers) AppointmentCancelPost(r *sdk.Request) error {
	a, err := h.mine(r)
	if err != nil {
		return err
	}
	f := newForm()
	reason := reasonOf(r, true, f.Problems)
	if !a.Ahead(time.Now()) && a.CoachID != r.UserID() {
		f.Problems["reason"] = "agenda.error.begun"
	}
	if len(f.Problems) > 0 {
		f.Values["reason"] = reason
		return h.renderAppointment(r, 422, a, f)
	}
	if err := h.settle(r, a, booking.StatusCancelled, reason); errors.Is(err, booking.ErrClosed) {
		return h.renderAppointment(r, 409, a, problem("reason", "agenda.error.settled"))
	} else if errors.Is(err, booking.ErrStale) {
		return h.renderAppointment(r, 409, a, problem("reason", "agenda.error.changed"))
	} else if err != nil {
		return err
	}
	h.Notify.Tell(r, a, "cancelled")
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10))
}

// AppointmentOutcomePost is the coach's word on a session that has begun:
// held or a no-show. Either counts as a session used.
func (h *Handlers) AppointmentOutcomePost(r *sdk.Request) error {
	a, err := h.mineAsCoach(r)
	if err != nil {
		return err
	}
	outcome := r.Form.Get("outcome")
	switch {
	case outcome != booking.StatusHeld && outcome != booking.StatusNoShow:
		return h.renderAppointment(r, 422, a, problem("outcome", "agenda.error.outcome"))
	case a.StartsAt.After(time.Now()):
		return h.renderAppointment(r, 422, a, problem("outcome", "agenda.error.not_begun"))
	}
	if err := h.settle(r, a, outcome, ""); errors.Is(err, booking.ErrClosed) {
		return h.renderAppointment(r, 409, a, problem("outcome", "agenda.error.settled"))
	} else if errors.Is(err, booking.ErrStale) {
		return h.renderAppointment(r, 409, a, problem("outcome", "agenda.error.changed"))
	} else if err != nil {
		return err
	}
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10))
}

// AppointmentMovePost moves a planned appointment to another free time of
// the coach's (a date and a time in the coach's zone), with an optional
// reason.
func (h *Handlers) AppointmentMovePost(r *sdk.Request) error {
	a, err := h.mineAsCoach(r)
	if err != nil {
		return err
	}
	zone, err := h.zoneOf(r, r.UserID())
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["date"], f.Values["time"] = strings.TrimSpace(r.Form.Get("date")), strings.TrimSpace(r.Form.Get("time"))
	dayAt, err := time.ParseInLocation(time.DateOnly, f.Values["date"], zone)
	if err != nil {
		f.Problems["date"] = "agenda.error.date"
	}
	clock, err := availability.ParseClock(f.Values["time"])
	if err != nil {
		f.Problems["time"] = "agenda.error.time"
	}
	f.Values["reason"] = reasonOf(r, false, f.Problems)
	if len(f.Problems) > 0 {
		return h.renderAppointment(r, 422, a, f)
	}
	err = h.Bookings.Move(r.Context, a, zone, clock.On(dayAt), f.Values["reason"], time.Now())
	refused := func(message string) error {
		return h.renderAppointment(r, 409, a, form{Values: f.Values, Problems: map[string]string{"time": message}})
	}
	switch {
	case errors.Is(err, booking.ErrTaken):
		return refused("agenda.error.not_free")
	case errors.Is(err, booking.ErrClosed):
		return refused("agenda.error.settled")
	case errors.Is(err, booking.ErrStale):
		return refused("agenda.error.changed")
	case err != nil:
		return err
	}
	h.Notify.Tell(r, a, "moved")
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10))
}

// AppointmentThemePost sets what a session is about, from the
// organisation's list (blank for none); the coach's to say.
func (h *Handlers) AppointmentThemePost(r *sdk.Request) error {
	a, err := h.mineAsCoach(r)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(r.Form.Get("theme"))
	themes, err := h.Settings.Themes(r.Context, r.OrganisationID())
	if err != nil {
		return err
	}
	if name != "" && !settings.HasTheme(themes, name) {
		return h.renderAppointment(r, 422, a, problem("theme", "agenda.error.theme"))
	}
	if err := h.Bookings.SetTheme(r.Context, a, name, time.Now()); err != nil {
		return err
	}
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10))
}
