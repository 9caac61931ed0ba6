package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/atriumhq/atrium/plugins/chat/internal/settings"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// tmplSettings is the organisation's chat settings.
const tmplSettings = "settings"

// settingsView is the edit window's form: the minutes, and what was wrong
// with what was sent.
type settingsView struct {
	Minutes, Problem string
}

// OrganisationSettings shows the organisation's chat settings to those who
// keep them.
func (h *Handlers) OrganisationSettings(r *sdk.Request) error {
	return h.renderSettings(r, 200, "", "")
}

func (h *Handlers) renderSettings(r *sdk.Request, status int, value, problem string) error {
	window, err := h.Settings.EditWindow(r.Context, r.OrganisationID())
	if err != nil {
		return err
	}
	if value == "" {
		value = strconv.Itoa(int(window / time.Minute))
	}
	return r.RenderStatus(status, tmplSettings, "chat.settings.title", settingsView{Minutes: value, Problem: problem})
}

// SettingsPost sets the edit window, 0 (never) to a day.
func (h *Handlers) SettingsPost(r *sdk.Request) error {
	value := strings.TrimSpace(r.Form.Get("minutes"))
	n, err := strconv.Atoi(value)
	if err != nil || n < 0 || n > settings.MaxEdit {
		return h.renderSettings(r, 422, value, "chat.error.minutes")
	}
	if err := h.Settings.SetEditWindow(r.Context, r.OrganisationID(), n); err != nil {
		return err
	}
	return r.Redirect("/settings")
}
