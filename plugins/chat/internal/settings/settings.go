// Package settings owns the organisation's chat settings (chat_settings):
// how long one may change or delete one's own message.
package settings

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// The edit window: how long one may change or delete one's own message,
// in minutes.
const (
	DefaultEdit = 15
	MaxEdit     = 24 * 60
)

// settings are the organisation's chat settings.
type settings struct {
	bun.BaseModel  `bun:"table:chat_settings"`
	OrganisationID int64 `bun:"organisation_id,pk"`
	EditMinutes    int   `bun:"edit_minutes,notnull"`
}

// Service keeps organisations' chat settings.
type Service struct{ db sdk.Database }

// New is the service on the module's database.
func New(db sdk.Database) *Service { return &Service{db: db} }

// EditWindow is the organisation's edit window (DefaultEdit minutes until
// it sets one).
func (s *Service) EditWindow(ctx context.Context, orgID int64) (time.Duration, error) {
	row := settings{}
	err := s.db.DB().NewSelect().Model(&row).Where("organisation_id = ?", orgID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultEdit * time.Minute, nil
	}
	return time.Duration(row.EditMinutes) * time.Minute, err
}

// SetEditWindow sets the organisation's edit window, 0 (never) to MaxEdit
// minutes.
func (s *Service) SetEditWindow(ctx context.Context, orgID int64, minutes int) error {
	row := &settings{OrganisationID: orgID, EditMinutes: minutes}
	_, err := s.db.DB().NewInsert().Model(row).On("CONFLICT (organisation_id) DO UPDATE").Set("edit_minutes = EXCLUDED.edit_minutes").Exec(ctx)
	return err
}
