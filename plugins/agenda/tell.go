package main

import (
	"fmt"
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// whenText is a moment as people read it in their language, such as
// "Tuesday 3 December 2026 at 10:00"; t translates in that language.
func whenText(t func(string, ...any) string, at time.Time) string {
	return t("agenda.when", map[string]any{"Weekday": t(fmt.Sprintf("agenda.day.%d", at.Weekday())), "Day": at.Day(),
		"Month": t(fmt.Sprintf("agenda.month.%d", at.Month())), "Year": at.Year(), "Time": at.Format("15:04")})
}

// tell mails both sides of an appointment what happened to it ("booked",
// "moved" or "cancelled"), each in their own language and time zone, with
// the invitation for their calendar. A mail that cannot be sent is logged:
// the appointment stands.
func tell(r *sdk.Request, a *appointment, what string) {
	people, err := r.People(a.CoachID, a.CoacheeID)
	if err != nil {
		r.Warn("agenda: no mail about the appointment", "appointment", a.ID, "error", err)
		return
	}
	byID := map[int64]sdk.Person{}
	for _, p := range people {
		byID[p.ID] = p
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
		data := map[string]any{"Who": other.Name, "When": whenText(t, a.StartsAt.In(sdk.Zone(p.TimeZone))), "Minutes": a.Minutes(), "Place": a.Place}
		text := t("agenda.mail."+what+".text", data)
		if a.Reason != "" && what != "booked" {
			text += "\n\n" + t("agenda.mail.reason", map[string]any{"Reason": a.Reason})
		}
		text += "\n\n" + t("agenda.mail.calendar")
		cal, err := invitation(*a, method, t("agenda.event.summary", data), coach.Email, coachee.Email, time.Now())
		if err == nil {
			err = r.Mail(p.ID, sdk.Mail{Subject: t("agenda.mail."+what+".subject", data), Text: text, Calendar: cal, Method: method})
		}
		if err != nil {
			r.Warn("agenda: no mail about the appointment", "appointment", a.ID, "to", p.ID, "error", err)
		}
	}
}

// recount tells the host how many of the trajectory's sessions are booked
// and used, counted from the appointments.
func recount(r *sdk.Request, dossierID, trajectoryID int64) error {
	if trajectoryID == 0 {
		return nil
	}
	var counts []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	err := r.DB().NewSelect().Model((*appointment)(nil)).ColumnExpr("status, COUNT(*) AS n").
		Where("organisation_id = ? AND dossier_id = ? AND trajectory_id = ?", r.OrganisationID(), dossierID, trajectoryID).Group("status").Scan(r.Context, &counts)
	if err != nil {
		return err
	}
	booked, used := 0, 0
	for _, c := range counts {
		switch c.Status {
		case statusPlanned:
			booked += c.N
		case statusHeld, statusNoShow:
			used += c.N
		}
	}
	return r.SetSessions(dossierID, trajectoryID, booked, used)
}
