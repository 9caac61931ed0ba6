// Package notify tells people and the host what became of appointments:
// mails to both sides with the invitation for their calendar, reminders
// before a session, and the trajectory's session counts. Each is written
// in its reader's language and time zone; one that cannot be sent is
// logged, and what happened to the appointment stands.
//
// Example usage:
//
//	n := notify.New(bookings)
//	n.Recount(r, a)
//	n.Tell(r, a, "booked")
package notify

import (
	"fmt"
	"strconv"
	"time"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// Notifier writes the mails and counts of appointments.
type Notifier struct{ bookings *booking.Service }

// New is a notifier that counts sessions from bookings.
func New(bookings *booking.Service) *Notifier { return &Notifier{bookings: bookings} }

// When is a moment as people read it in their language, such as
// "Tuesday 3 December 2026 at 10:00"; t translates in that language.
func When(t func(string, ...any) string, at time.Time) string {
	return t("agenda.when", map[string]any{"Weekday": t(fmt.Sprintf("agenda.day.%d", at.Weekday())), "Day": at.Day(),
		"Month": t(fmt.Sprintf("agenda.month.%d", at.Month())), "Year": at.Year(), "Time": at.Format("15:04")})
}

// Tell mails both sides of an appointment what happened to it ("booked",
// "moved" or "cancelled"), each in their own language and time zone, with
// the invitation for their calendar.
func (n *Notifier) Tell(r *sdk.Request, a *booking.Appointment, what string) {
	byID, err := r.PeopleByID(a.CoachID, a.CoacheeID)
	if err != nil {
		r.Warn("agenda: no mail about the appointment", "appointment", a.ID, "error", err)
		return
	}
	coach, coachee := byID[a.CoachID], byID[a.CoacheeID]
	method := "REQUEST"
	if what == "cancelled" {
		method = "CANCEL"
	}
	for _, p := range []sdk.Person{coach, coachee} {
		if p.ID == 0 {
			continue
		}
		other := coachee
		if p.ID == coachee.ID {
			other = coach
		}
		t := func(id string, args ...any) string { return r.TFor(p.Locale, id, args...) }
		data := map[string]any{"Who": other.Name, "When": When(t, a.StartsAt.In(sdk.Zone(p.TimeZone))), "Minutes": a.Minutes(), "Place": a.Place}
		text := t("agenda.mail."+what+".text", data)
		if a.Reason != "" && what != "booked" {
			text += "\n\n" + t("agenda.mail.reason", map[string]any{"Reason": a.Reason})
		}
		text += "\n\n" + t("agenda.mail.calendar")
		cal, err := a.Invitation(method, t("agenda.event.summary", data), coach.Email, coachee.Email, time.Now())
		if err == nil {
			err = r.Mail(p.ID, sdk.Mail{Subject: t("agenda.mail."+what+".subject", data), Text: text, Calendar: cal, Method: method})
		}
		if err != nil {
			r.Warn("agenda: no mail about the appointment", "appointment", a.ID, "to", p.ID, "error", err)
		}
	}
}

// Remind mails the coachee of an appointment a reminder, in their language
// and time zone, with the session's page to change or cancel it.
func (n *Notifier) Remind(r *sdk.Request, a booking.Appointment) {
	byID, err := r.PeopleByID(a.CoachID, a.CoacheeID)
	if err != nil {
		r.Warn("agenda: no reminder", "appointment", a.ID, "error", err)
		return
	}
	coach, coachee := byID[a.CoachID], byID[a.CoacheeID]
	if coachee.ID == 0 {
		return // no longer in the organisation
	}
	t := func(id string, args ...any) string { return r.TFor(coachee.Locale, id, args...) }
	data := map[string]any{"Who": coach.Name, "When": When(t, a.StartsAt.In(sdk.Zone(coachee.TimeZone))), "Minutes": a.Minutes(), "Place": a.Place,
		"Link": r.BaseURL() + r.URL("/appointments/"+strconv.FormatInt(a.ID, 10))}
	if err := r.Mail(coachee.ID, sdk.Mail{Subject: t("agenda.mail.reminder.subject", data), Text: t("agenda.mail.reminder.text", data)}); err != nil {
		r.Warn("agenda: no reminder", "appointment", a.ID, "error", err)
	}
}

// Recount tells the host how many sessions of the appointment's trajectory
// are booked and used, counted from the appointments.
func (n *Notifier) Recount(r *sdk.Request, a *booking.Appointment) {
	if a.TrajectoryID == 0 {
		return
	}
	booked, used, err := n.bookings.Counts(r.Context, r.OrganisationID(), a.DossierID, a.TrajectoryID)
	if err == nil {
		err = r.SetSessions(a.DossierID, a.TrajectoryID, booked, used)
	}
	if err != nil {
		r.Warn("agenda: sessions not counted", "appointment", a.ID, "error", err)
	}
}
