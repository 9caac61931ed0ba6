package main

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/availability"
	"github.com/atriumhq/atrium/plugins/agenda/internal/hours"
	"github.com/atriumhq/atrium/plugins/agenda/internal/synclog"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// mine reads the appointment the route names when the request's person is
// its coach or its coachee; anyone else gets a 404, as if it did not exist.
func mine(r *sdk.Request) (*appointment, error) {
	id, err := strconv.ParseInt(r.Params["id"], 10, 64)
	if err != nil {
		return nil, r.Fail(404)
	}
	a := &appointment{}
	err = r.DB().NewSelect().Model(a).Where("id = ? AND organisation_id = ? AND (coach_id = ? OR coachee_id = ?)", id, r.OrganisationID(), r.UserID(), r.UserID()).Scan(r.Context)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, r.Fail(404)
	}
	return a, err
}

// mineAsCoach is mine for what only the appointment's coach may do: the
// coachee gets a 404 too.
func mineAsCoach(r *sdk.Request) (*appointment, error) {
	a, err := mine(r)
	if err != nil || a == nil {
		return nil, err
	}
	if a.CoachID != r.UserID() {
		return nil, r.Fail(404)
	}
	return a, nil
}

// settleCounted settles the appointment and counts the trajectory's
// sessions again; a count that fails is logged, the outcome stands.
func settleCounted(r *sdk.Request, a *appointment, status, reason string) error {
	if err := settle(r.Context, r.DB(), a, status, reason, time.Now()); err != nil {
		return err
	}
	if err := recount(r, a.DossierID, a.TrajectoryID); err != nil {
		r.Warn("agenda: sessions not counted", "appointment", a.ID, "error", err)
	}
	return nil
}

// Appointment shows one appointment with what its coach or coachee may
// do with it.
func (h *Handlers) Appointment(r *sdk.Request) error {
	a, err := mine(r)
	if err != nil || a == nil {
		return err
	}
	return h.renderAppointment(r, 200, a, map[string]string{}, map[string]string{})
}

func (h *Handlers) renderAppointment(r *sdk.Request, status int, a *appointment, values, problems map[string]string) error {
	zone := sdk.Zone(r.TimeZone())
	coach := a.CoachID == r.UserID()
	if coach {
		z, err := h.zoneOf(r, r.UserID())
		if err != nil {
			return err
		}
		zone = z
	}
	themes, err := themesOf(r)
	if err != nil {
		return err
	}
	now := time.Now()
	v := viewsOf(r, []appointment{*a}, zone)[0]
	return r.RenderStatus(status, "appointment", "agenda.appointment.title", map[string]any{"A": v, "Coach": coach, "Themes": themes,
		"Ahead": a.Ahead(now), "Begun": a.Status == statusPlanned && !a.StartsAt.After(now), "Zone": zone.String(),
		"Booked": r.Query.Get("booked") != "", "Values": values, "Problems": problems,
		"MoveDate": a.StartsAt.In(zone).Format(time.DateOnly), "MoveTime": a.StartsAt.In(zone).Format("15:04")})
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

// AppointmentCancelPost cancels a planned appointment that has not begun, with a
// reason; coach or coachee.
func (h *Handlers) AppointmentCancelPost(r *sdk.Request) error {
	a, err := mine(r)
	if err != nil || a == nil {
		return err
	}
	problems := map[string]string{}
	reason := reasonOf(r, true, problems)
	if !a.Ahead(time.Now()) && a.CoachID != r.UserID() {
		problems["reason"] = "agenda.error.begun"
	}
	if len(problems) > 0 {
		return h.renderAppointment(r, 422, a, map[string]string{"reason": reason}, problems)
	}
	if err := settleCounted(r, a, statusCancelled, reason); errors.Is(err, errClosed) {
		return h.renderAppointment(r, 409, a, nil, map[string]string{"reason": "agenda.error.settled"})
	} else if errors.Is(err, errStale) {
		return h.renderAppointment(r, 409, a, nil, map[string]string{"reason": "agenda.error.changed"})
	} else if err != nil {
		return err
	}
	tell(r, a, "cancelled")
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10))
}

// AppointmentOutcomePost is the coach's word on a session that has begun: held or a
// no-show. Either counts as a session used.
func (h *Handlers) AppointmentOutcomePost(r *sdk.Request) error {
	a, err := mineAsCoach(r)
	if err != nil || a == nil {
		return err
	}
	outcome := r.Form.Get("outcome")
	switch {
	case outcome != statusHeld && outcome != statusNoShow:
		return h.renderAppointment(r, 422, a, nil, map[string]string{"outcome": "agenda.error.outcome"})
	case a.StartsAt.After(time.Now()):
		return h.renderAppointment(r, 422, a, nil, map[string]string{"outcome": "agenda.error.not_begun"})
	}
	if err := settleCounted(r, a, outcome, ""); errors.Is(err, errClosed) {
		return h.renderAppointment(r, 409, a, nil, map[string]string{"outcome": "agenda.error.settled"})
	} else if errors.Is(err, errStale) {
		return h.renderAppointment(r, 409, a, nil, map[string]string{"outcome": "agenda.error.changed"})
	} else if err != nil {
		return err
	}
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10))
}

// AppointmentMovePost moves a planned appointment to another free time of the coach's
// (a date and a time in the coach's zone), with an optional reason.
func (h *Handlers) AppointmentMovePost(r *sdk.Request) error {
	a, err := mineAsCoach(r)
	if err != nil || a == nil {
		return err
	}
	zone, err := h.zoneOf(r, r.UserID())
	if err != nil {
		return err
	}
	values := map[string]string{"date": strings.TrimSpace(r.Form.Get("date")), "time": strings.TrimSpace(r.Form.Get("time"))}
	problems := map[string]string{}
	dayAt, err := time.ParseInLocation(time.DateOnly, values["date"], zone)
	if err != nil {
		problems["date"] = "agenda.error.date"
	}
	clock, err := availability.ParseClock(values["time"])
	if err != nil {
		problems["time"] = "agenda.error.time"
	}
	values["reason"] = reasonOf(r, false, problems)
	if len(problems) > 0 {
		return h.renderAppointment(r, 422, a, values, problems)
	}
	err = move(r.Context, r.DB(), a, hours.SessionType{DurationMin: a.Minutes()}, zone, clock.On(dayAt), values["reason"], time.Now())
	switch {
	case errors.Is(err, errTaken):
		return h.renderAppointment(r, 409, a, values, map[string]string{"time": "agenda.error.not_free"})
	case errors.Is(err, errClosed):
		return h.renderAppointment(r, 409, a, values, map[string]string{"time": "agenda.error.settled"})
	case errors.Is(err, errStale):
		return h.renderAppointment(r, 409, a, values, map[string]string{"time": "agenda.error.changed"})
	case err != nil:
		return err
	}
	tell(r, a, "moved")
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10))
}

// AppointmentThemePost sets what a session is about, from the organisation's list
// (blank for none); the coach's to say.
func (h *Handlers) AppointmentThemePost(r *sdk.Request) error {
	a, err := mineAsCoach(r)
	if err != nil || a == nil {
		return err
	}
	name := strings.TrimSpace(r.Form.Get("theme"))
	themes, err := themesOf(r)
	if err != nil {
		return err
	}
	if name != "" && !hasTheme(themes, name) {
		return h.renderAppointment(r, 422, a, nil, map[string]string{"theme": "agenda.error.theme"})
	}
	err = r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model(a).Set("theme = ?, updated_at = ?", name, time.Now().UTC()).Where("id = ? AND organisation_id = ?", a.ID, r.OrganisationID()).Exec(ctx); err != nil {
			return err
		}
		_, err := synclog.Touch(ctx, tx, a.OrganisationID, a.CoachID, a.objectName())
		return err
	})
	if err != nil {
		return err
	}
	return r.Redirect("/appointments/" + strconv.FormatInt(a.ID, 10))
}
