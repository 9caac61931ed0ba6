package main

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// settings are the organisation's chat settings.
type settings struct {
	bun.BaseModel  `bun:"table:chat_settings"`
	OrganisationID int64 `bun:"organisation_id,pk"`
	EditMinutes    int   `bun:"edit_minutes,notnull"`
}

// The edit window: how long one may change or delete one's own message.
const (
	defaultEdit = 15
	maxEdit     = 24 * 60
)

// editWindow is the organisation's edit window.
func editWindow(r *sdk.Request) (time.Duration, error) {
	s := settings{}
	err := r.DB().NewSelect().Model(&s).Where("organisation_id = ?", r.OrganisationID()).Scan(r.Context)
	if errors.Is(err, sql.ErrNoRows) {
		return defaultEdit * time.Minute, nil
	}
	return time.Duration(s.EditMinutes) * time.Minute, err
}

// settingsPage shows the organisation's chat settings to those who keep them.
func settingsPage(r *sdk.Request) error { return renderSettings(r, 200, "", "") }

func renderSettings(r *sdk.Request, status int, value, problem string) error {
	window, err := editWindow(r)
	if err != nil {
		return err
	}
	if value == "" {
		value = strconv.Itoa(int(window / time.Minute))
	}
	return r.RenderStatus(status, "settings", "chat.settings.title", map[string]any{"Minutes": value, "Problem": problem})
}

// settingsPost sets the edit window, 0 (never) to a day.
func settingsPost(r *sdk.Request) error {
	value := strings.TrimSpace(r.Form.Get("minutes"))
	n, err := strconv.Atoi(value)
	if err != nil || n < 0 || n > maxEdit {
		return renderSettings(r, 422, value, "chat.error.minutes")
	}
	s := &settings{OrganisationID: r.OrganisationID(), EditMinutes: n}
	if _, err := r.DB().NewInsert().Model(s).On("CONFLICT (organisation_id) DO UPDATE").Set("edit_minutes = EXCLUDED.edit_minutes").Exec(r.Context); err != nil {
		return err
	}
	return r.Redirect("/settings")
}
