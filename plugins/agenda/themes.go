package main

import (
	"cmp"
	"context"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/synclog"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// theme is one of the organisation's themes a session can be about
// ("career", "stress"), counted by the statistics.
type theme struct {
	bun.BaseModel  `bun:"table:agenda_themes"`
	ID             int64  `bun:"id,pk,autoincrement"`
	OrganisationID int64  `bun:"organisation_id,notnull"`
	Name           string `bun:"name,notnull"`
}

// maxThemes bounds an organisation's list.
const maxThemes = 50

// themesOf reads the organisation's themes by name.
func themesOf(r *sdk.Request) ([]theme, error) {
	var list []theme
	err := r.DB().NewSelect().Model(&list).Where("organisation_id = ?", r.OrganisationID()).Order("name").Scan(r.Context)
	return list, err
}

func hasTheme(list []theme, name string) bool {
	for _, t := range list {
		if t.Name == name {
			return true
		}
	}
	return false
}

// settingsProblem is what was wrong with one form of the settings page:
// the form ("theme", "names", "remind"), the message and what was typed.
type settingsProblem struct {
	Field, Message, Value string
}

// themesPage is the organisation's agenda settings for those who keep
// them: the session themes, names in calendar apps, reminders.
func themesPage(r *sdk.Request) error { return renderSettings(r, 200, settingsProblem{}) }

func renderSettings(r *sdk.Request, status int, problem settingsProblem) error {
	list, err := themesOf(r)
	if err != nil {
		return err
	}
	s, err := settingsOf(r)
	if err != nil {
		return err
	}
	return r.RenderStatus(status, "themes", "agenda.settings.title", map[string]any{"Themes": list, "Problem": problem, "Names": s.names(),
		"Remind": cmp.Or(s.Remind, "24"), "RemindChoices": reminderChoices})
}

// namesPost sets how calendar apps name coachees in the organisation's
// coaches' calendars; every appointment changes for the apps.
func namesPost(r *sdk.Request) error {
	names := r.Form.Get("names")
	if names != namesFull && names != namesInitials {
		return renderSettings(r, 422, settingsProblem{Field: "names", Message: "agenda.error.names"})
	}
	err := r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		s := &orgSettings{OrganisationID: r.OrganisationID(), CalendarNames: names}
		if _, err := tx.NewInsert().Model(s).On("CONFLICT (organisation_id) DO UPDATE").Set("calendar_names = EXCLUDED.calendar_names").Exec(ctx); err != nil {
			return err
		}
		var list []appointment
		if err := tx.NewSelect().Model(&list).Column("coach_id", "uid").Where("organisation_id = ?", r.OrganisationID()).Order("coach_id").Scan(ctx); err != nil {
			return err
		}
		for len(list) > 0 {
			n := 1
			for n < len(list) && list[n].CoachID == list[0].CoachID {
				n++
			}
			names := make([]string, 0, n)
			for _, a := range list[:n] {
				names = append(names, a.objectName())
			}
			if _, err := synclog.Touch(ctx, tx, r.OrganisationID(), list[0].CoachID, names...); err != nil {
				return err
			}
			list = list[n:]
		}
		return nil
	})
	if err != nil {
		return err
	}
	// After the transaction: the host writes the audit log itself, and on
	// SQLite it would wait for the plugin's own write to end.
	if err := r.Audit("calendar_names", 0, names); err != nil {
		return err
	}
	return r.Redirect("/themes")
}

// addThemePost adds a theme; names are unique within the organisation.
func addThemePost(r *sdk.Request) error {
	name := strings.TrimSpace(r.Form.Get("name"))
	list, err := themesOf(r)
	if err != nil {
		return err
	}
	switch {
	case name == "" || utf8.RuneCountInString(name) > 60:
		return renderSettings(r, 422, settingsProblem{"theme", "agenda.error.theme_name", name})
	case hasTheme(list, name):
		return renderSettings(r, 422, settingsProblem{"theme", "agenda.error.theme_exists", name})
	case len(list) >= maxThemes:
		return renderSettings(r, 422, settingsProblem{"theme", "agenda.error.too_many_themes", name})
	}
	if _, err := r.DB().NewInsert().Model(&theme{OrganisationID: r.OrganisationID(), Name: name}).Exec(r.Context); err != nil {
		return err
	}
	return r.Redirect("/themes")
}
