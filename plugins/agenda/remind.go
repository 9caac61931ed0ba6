package main

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// reminderChoices are when an organisation may have coachees reminded,
// in hours before a session; "off" sends none.
var reminderChoices = []string{"2", "24", "48", "off"}

// remindBefore is how long before a session the organisation has its
// coachees reminded (a day unless it chose), and whether it does at all.
func (s orgSettings) remindBefore() (time.Duration, bool) {
	switch s.Remind {
	case "off":
		return 0, false
	case "2", "48":
		hours, _ := strconv.Atoi(s.Remind)
		return time.Duration(hours) * time.Hour, true
	}
	return 24 * time.Hour, true
}

// remind mails coachees a reminder of their sessions that begin within the
// organisation's reminder time, once per time a session is set for: one
// moved is reminded of again. A session booked after its reminder would
// have gone is not: the confirmation is fresh. Each reminder is claimed
// first, so that instances ticking together send it once.
func remind(r *sdk.Request) error {
	settings, err := settingsOf(r)
	if err != nil {
		return err
	}
	before, on := settings.remindBefore()
	if !on {
		return nil
	}
	now := time.Now().UTC()
	var due []appointment
	err = r.DB().NewSelect().Model(&due).
		Where("organisation_id = ? AND status = ? AND starts_at > ? AND starts_at <= ?", r.OrganisationID(), statusPlanned, now, now.Add(before)).
		Where("reminded_for IS NULL OR reminded_for <> starts_at").Scan(r.Context)
	if err != nil {
		return err
	}
	for _, a := range due {
		if !a.CreatedAt.Before(a.StartsAt.Add(-before)) {
			continue
		}
		claimed, err := claimReminder(r.Context, r.DB(), a)
		if err != nil {
			return err
		}
		if claimed {
			sendReminder(r, a)
		}
	}
	return nil
}

// claimReminder marks an appointment reminded for its start; false when
// another instance did it first.
func claimReminder(ctx context.Context, db *bun.DB, a appointment) (bool, error) {
	res, err := db.NewUpdate().Model((*appointment)(nil)).Set("reminded_for = starts_at").
		Where("id = ? AND organisation_id = ? AND (reminded_for IS NULL OR reminded_for <> starts_at)", a.ID, a.OrganisationID).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// sendReminder mails the coachee, in their language and time zone, with
// the session's page to change or cancel it. A mail that cannot be sent is
// logged: the reminder is not tried again.
func sendReminder(r *sdk.Request, a appointment) {
	people, err := r.People(a.CoachID, a.CoacheeID)
	if err != nil {
		r.Warn("agenda: no reminder", "appointment", a.ID, "error", err)
		return
	}
	var coach, coachee sdk.Person
	for _, p := range people {
		switch p.ID {
		case a.CoachID:
			coach = p
		case a.CoacheeID:
			coachee = p
		}
	}
	if coachee.ID == 0 {
		return // no longer in the organisation
	}
	t := func(id string, args ...any) string { return r.TFor(coachee.Locale, id, args...) }
	data := map[string]any{"Who": coach.Name, "When": whenText(t, a.StartsAt.In(sdk.Zone(coachee.TimeZone))), "Minutes": a.Minutes(), "Place": a.Place,
		"Link": r.BaseURL() + r.URL("/appointments/"+strconv.FormatInt(a.ID, 10))}
	if err := r.Mail(coachee.ID, sdk.Mail{Subject: t("agenda.mail.reminder.subject", data), Text: t("agenda.mail.reminder.text", data)}); err != nil {
		r.Warn("agenda: no reminder", "appointment", a.ID, "error", err)
	}
}

// remindersPost sets when the organisation's coachees are reminded of
// their sessions.
func remindersPost(r *sdk.Request) error {
	choice := r.Form.Get("remind")
	if !slices.Contains(reminderChoices, choice) {
		return renderSettings(r, 422, settingsProblem{Field: "remind", Message: "agenda.error.remind"})
	}
	s := &orgSettings{OrganisationID: r.OrganisationID(), CalendarNames: namesInitials, Remind: choice}
	if _, err := r.DB().NewInsert().Model(s).On("CONFLICT (organisation_id) DO UPDATE").Set("remind = EXCLUDED.remind").Exec(r.Context); err != nil {
		return err
	}
	if err := r.Audit("reminders", 0, choice); err != nil {
		return err
	}
	return r.Redirect("/themes")
}
