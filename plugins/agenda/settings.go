package main

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/atriumhq/atrium/plugins/agenda/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// tmplSettings is the organisation's agenda settings.
const tmplSettings = "themes"

// settingsProblem is what was wrong with one form of the settings page:
// the form ("theme", "names", "remind"), the message and what was typed.
type settingsProblem struct {
	Field, Message, Value string
}

// settingsView is the organisation's agenda settings: its themes, how
// calendar apps name coachees, when reminders go, and what was wrong with
// a form sent.
type settingsView struct {
	Themes        []settings.Theme
	Problem       settingsProblem
	Names         string
	Remind        string
	RemindChoices []string
}

// OrganisationSettings is the organisation's agenda settings for those who
// keep them: the session themes, names in calendar apps, reminders.
func (h *Handlers) OrganisationSettings(r *sdk.Request) error {
	return h.renderSettings(r, 200, settingsProblem{})
}

func (h *Handlers) renderSettings(r *sdk.Request, status int, problem settingsProblem) error {
	themes, err := h.Settings.Themes(r.Context, r.OrganisationID())
	if err != nil {
		return err
	}
	s, err := h.Settings.Of(r.Context, r.OrganisationID())
	if err != nil {
		return err
	}
	return r.RenderStatus(status, tmplSettings, "agenda.settings.title", settingsView{Themes: themes, Problem: problem, Names: s.Names(),
		Remind: cmp.Or(s.Remind, "24"), RemindChoices: settings.ReminderChoices})
}

// NamesPost sets how calendar apps name coachees in the organisation's
// coaches' calendars; every appointment changes for the apps.
func (h *Handlers) NamesPost(r *sdk.Request) error {
	names := r.Form.Get("names")
	if names != settings.NamesFull && names != settings.NamesInitials {
		return h.renderSettings(r, 422, settingsProblem{Field: "names", Message: "agenda.error.names"})
	}
	if err := h.Settings.SetNames(r.Context, r.OrganisationID(), names); err != nil {
		return err
	}
	// After the transaction: the host writes the audit log itself, and on
	// SQLite it would wait for the plugin's own write to end.
	if err := r.Audit("calendar_names", 0, names); err != nil {
		return err
	}
	return r.Redirect("/themes")
}

// RemindersPost sets when the organisation's coachees are reminded of
// their sessions.
func (h *Handlers) RemindersPost(r *sdk.Request) error {
	choice := r.Form.Get("remind")
	if !slices.Contains(settings.ReminderChoices, choice) {
		return h.renderSettings(r, 422, settingsProblem{Field: "remind", Message: "agenda.error.remind"})
	}
	if err := h.Settings.SetRemind(r.Context, r.OrganisationID(), choice); err != nil {
		return err
	}
	if err := r.Audit("reminders", 0, choice); err != nil {
		return err
	}
	return r.Redirect("/themes")
}

// ThemeAddPost adds a theme; names are unique within the organisation.
func (h *Handlers) ThemeAddPost(r *sdk.Request) error {
	name := strings.TrimSpace(r.Form.Get("name"))
	if name == "" || utf8.RuneCountInString(name) > 60 {
		return h.renderSettings(r, 422, settingsProblem{"theme", "agenda.error.theme_name", name})
	}
	switch err := h.Settings.AddTheme(r.Context, r.OrganisationID(), name); {
	case errors.Is(err, settings.ErrThemeExists):
		return h.renderSettings(r, 422, settingsProblem{"theme", "agenda.error.theme_exists", name})
	case errors.Is(err, settings.ErrTooManyThemes):
		return h.renderSettings(r, 422, settingsProblem{"theme", "agenda.error.too_many_themes", name})
	case err != nil:
		return err
	}
	return r.Redirect("/themes")
}

// ThemeDeletePost removes one of the organisation's themes; one that is
// not there is a 404.
func (h *Handlers) ThemeDeletePost(r *sdk.Request) error {
	id, err := r.ParamID("id")
	if err != nil {
		return err
	}
	if err := h.Settings.DeleteTheme(r.Context, r.OrganisationID(), id); err != nil {
		return err
	}
	return r.Redirect("/themes")
}
