package main

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

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
	err := r.DB().NewSelect().Model(&list).Where("organisation_id = ?", r.OrgID()).Order("name").Scan(r.Context)
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

// themesPage lists the organisation's themes for those who keep them.
func themesPage(r *sdk.Request) error { return renderThemes(r, 200, "", "") }

func renderThemes(r *sdk.Request, status int, value, problem string) error {
	list, err := themesOf(r)
	if err != nil {
		return err
	}
	names, err := calendarNames(r)
	if err != nil {
		return err
	}
	return r.RenderStatus(status, "themes", "agenda.themes.title", map[string]any{"Themes": list, "Value": value, "Problem": problem, "Names": names})
}

// namesPost sets how calendar apps name coachees in the organisation's
// coaches' calendars; every appointment changes for the apps.
func namesPost(r *sdk.Request) error {
	names := r.Form.Get("names")
	if names != namesFull && names != namesInitials {
		return renderThemes(r, 422, "", "agenda.error.names")
	}
	err := r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
		s := &orgSettings{OrganisationID: r.OrgID(), CalendarNames: names}
		if _, err := tx.NewInsert().Model(s).On("CONFLICT (organisation_id) DO UPDATE").Set("calendar_names = EXCLUDED.calendar_names").Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw("INSERT INTO agenda_dav_changes (organisation_id, coach_id, name, created_at) SELECT organisation_id, coach_id, uid || '.ics', ? FROM agenda_appointments WHERE organisation_id = ?",
			time.Now().UTC(), r.OrgID()).Exec(ctx)
		return err
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
		return renderThemes(r, 422, name, "agenda.error.theme_name")
	case hasTheme(list, name):
		return renderThemes(r, 422, name, "agenda.error.theme_exists")
	case len(list) >= maxThemes:
		return renderThemes(r, 422, name, "agenda.error.too_many_themes")
	}
	if _, err := r.DB().NewInsert().Model(&theme{OrganisationID: r.OrgID(), Name: name}).Exec(r.Context); err != nil {
		return err
	}
	return r.Redirect("/themes")
}
