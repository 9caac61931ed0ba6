// Package privacy is the agenda's part of a person's data export and
// erasure: the appointments they had, as coachee or coach, and a coach's
// own calendar.
package privacy

import (
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// appointment is one appointment as the export gives it back.
type appointment struct {
	ID          int64     `bun:"id" json:"id"`
	Role        string    `bun:"role" json:"you_were"`
	SessionType string    `bun:"session_type" json:"session_type"`
	StartsAt    time.Time `bun:"starts_at" json:"starts_at"`
	EndsAt      time.Time `bun:"ends_at" json:"ends_at"`
	Mode        string    `bun:"mode" json:"mode"`
	Place       string    `bun:"place" json:"place"`
	Theme       string    `bun:"theme" json:"theme"`
	Status      string    `bun:"status" json:"status"`
	Reason      string    `bun:"reason" json:"reason"`
	DossierID   int64     `bun:"dossier_id" json:"dossier"`
}

// event is one event of a coach's own calendar.
type event struct {
	Name     string    `bun:"name" json:"name"`
	StartsAt time.Time `bun:"starts_at" json:"starts_at"`
	EndsAt   time.Time `bun:"ends_at" json:"ends_at"`
	Data     string    `bun:"data" json:"icalendar"`
}

// Export gives the person's appointments and, for a coach, the events of
// their own calendar as their apps sent them.
func Export(r *sdk.Request, person int64) ([]sdk.ExportFile, error) {
	var appointments []appointment
	err := r.DB().NewRaw(`SELECT id, CASE WHEN coachee_id = ? THEN 'coachee' ELSE 'coach' END AS role, session_type, starts_at, ends_at,
		mode, place, theme, status, reason, dossier_id
		FROM agenda_appointments WHERE organisation_id = ? AND (coachee_id = ? OR coach_id = ?) ORDER BY starts_at`,
		person, r.OrganisationID(), person, person).Scan(r.Context, &appointments)
	if err != nil {
		return nil, err
	}
	var events []event
	err = r.DB().NewRaw("SELECT name, starts_at, ends_at, data FROM agenda_events WHERE organisation_id = ? AND coach_id = ? ORDER BY starts_at",
		r.OrganisationID(), person).Scan(r.Context, &events)
	if err != nil {
		return nil, err
	}
	a, err := sdk.JSONFile("appointments.json", appointments)
	if err != nil {
		return nil, err
	}
	e, err := sdk.JSONFile("calendar.json", events)
	return []sdk.ExportFile{a, e}, err
}

// Erase anonymises the person's appointments (their times stay, for the
// trajectories' figures the retention keeps, without the words about the
// person) and removes a coach's own calendar: its events, their sync
// state and their display settings.
func Erase(r *sdk.Request, person int64, _ time.Duration) error {
	org := r.OrganisationID()
	for _, q := range []string{
		"UPDATE agenda_appointments SET place = '', theme = '', reason = '' WHERE organisation_id = ? AND coachee_id = ?",
		"DELETE FROM agenda_events WHERE organisation_id = ? AND coach_id = ?",
		"DELETE FROM agenda_dav_open WHERE organisation_id = ? AND coach_id = ?",
		"DELETE FROM agenda_dav_display WHERE organisation_id = ? AND user_id = ?",
	} {
		if _, err := r.DB().ExecContext(r.Context, q, org, person); err != nil {
			return err
		}
	}
	return nil
}
