// Package settings owns what an organisation sets for its agenda
// (agenda_org_settings, agenda_themes): the themes a session can be about,
// how calendar apps name coachees, and when coachees are reminded of their
// sessions.
//
// Example usage:
//
//	s := settings.New(m) // the module, before sdk.Serve
//	org, err := s.Of(r.Context, r.OrganisationID())
//	before, on := org.RemindBefore()
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/agenda/internal/booking"
	"github.com/atriumhq/atrium/plugins/agenda/internal/synclog"
	"github.com/atriumhq/atrium/plugins/sdk"
)

// How calendar apps name coachees, as the organisation chooses.
const (
	NamesInitials = "initials" // "K.B.": the default, the least a calendar app needs
	NamesFull     = "full"     // "Kim Bakker"
)

// ReminderChoices are when an organisation may have coachees reminded, in
// hours before a session; "off" sends none.
var ReminderChoices = []string{"2", "24", "48", "off"}

// Organisation are the organisation's own agenda settings.
type Organisation struct {
	bun.BaseModel  `bun:"table:agenda_org_settings"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	CalendarNames  string `bun:"calendar_names,notnull"`
	// Remind is when coachees are reminded of a session: hours before
	// ("2", "24", "48"), "off", or "" for a day before.
	Remind string `bun:"remind,notnull"`
}

// Names is how the organisation lets calendar apps name coachees.
func (s Organisation) Names() string {
	if s.CalendarNames == NamesFull {
		return NamesFull
	}
	return NamesInitials
}

// Named is a coachee's name as the organisation lets calendar apps show it:
// whole, or their initials ("Kim Bakker" is "K.B.").
func (s Organisation) Named(name string) string {
	if s.Names() == NamesFull {
		return name
	}
	var b strings.Builder
	for _, part := range strings.Fields(name) {
		if c, _ := utf8.DecodeRuneInString(part); unicode.IsLetter(c) {
			b.WriteRune(c)
			b.WriteByte('.')
		}
	}
	return b.String()
}

// RemindBefore is how long before a session the organisation has its
// coachees reminded (a day unless it chose), and whether it does at all.
func (s Organisation) RemindBefore() (time.Duration, bool) {
	switch s.Remind {
	case "off":
		return 0, false
	case "2", "48":
		hours, _ := strconv.Atoi(s.Remind)
		return time.Duration(hours) * time.Hour, true
	}
	return 24 * time.Hour, true
}

// Theme is one of the organisation's themes a session can be about
// ("career", "stress"), counted by the statistics.
type Theme struct {
	bun.BaseModel  `bun:"table:agenda_themes"`
	ID             int64  `bun:"id,pk,autoincrement"`
	OrganisationID int64  `bun:"organisation_id,notnull"`
	Name           string `bun:"name,notnull"`
}

// MaxThemes bounds an organisation's list.
const MaxThemes = 50

// HasTheme tells whether a list holds a theme of that name.
func HasTheme(list []Theme, name string) bool {
	for _, t := range list {
		if t.Name == name {
			return true
		}
	}
	return false
}

var (
	// ErrThemeExists: the organisation has a theme of that name.
	ErrThemeExists = errors.New("agenda: a theme of that name exists")
	// ErrTooManyThemes: the organisation has MaxThemes.
	ErrTooManyThemes = errors.New("agenda: too many themes")
	// ErrNotFound is a theme that is not there.
	ErrNotFound = fmt.Errorf("agenda: no such theme: %w", sdk.ErrNotFound)
)

// Service keeps organisations' agenda settings and themes.
type Service struct{ db sdk.Database }

// New is the service on the module's database.
func New(db sdk.Database) *Service { return &Service{db: db} }

// Of reads the organisation's agenda settings; one that never chose has
// the zero ones (initials, reminders a day before).
func (s *Service) Of(ctx context.Context, orgID int64) (Organisation, error) {
	o := Organisation{}
	err := s.db.DB().NewSelect().Model(&o).Where("organisation_id = ?", orgID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return o, err
}

// SetNames sets how calendar apps name coachees in the organisation's
// coaches' calendars; every appointment changes for the apps.
func (s *Service) SetNames(ctx context.Context, orgID int64, names string) error {
	return s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		o := &Organisation{OrganisationID: orgID, CalendarNames: names}
		if _, err := tx.NewInsert().Model(o).On("CONFLICT (organisation_id) DO UPDATE").Set("calendar_names = EXCLUDED.calendar_names").Exec(ctx); err != nil {
			return err
		}
		calendars, err := booking.ObjectNames(ctx, tx, orgID)
		if err != nil {
			return err
		}
		for _, c := range calendars {
			if _, err := synclog.Touch(ctx, tx, orgID, c.CoachID, c.Names...); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetRemind sets when the organisation's coachees are reminded of their
// sessions: one of ReminderChoices.
func (s *Service) SetRemind(ctx context.Context, orgID int64, choice string) error {
	o := &Organisation{OrganisationID: orgID, CalendarNames: NamesInitials, Remind: choice}
	_, err := s.db.DB().NewInsert().Model(o).On("CONFLICT (organisation_id) DO UPDATE").Set("remind = EXCLUDED.remind").Exec(ctx)
	return err
}

// Themes reads the organisation's themes by name.
func (s *Service) Themes(ctx context.Context, orgID int64) ([]Theme, error) {
	var list []Theme
	err := s.db.DB().NewSelect().Model(&list).Where("organisation_id = ?", orgID).Order("name").Scan(ctx)
	return list, err
}

// AddTheme adds a theme; names are unique within the organisation
// (ErrThemeExists), and it has at most MaxThemes (ErrTooManyThemes).
func (s *Service) AddTheme(ctx context.Context, orgID int64, name string) error {
	list, err := s.Themes(ctx, orgID)
	switch {
	case err != nil:
		return err
	case HasTheme(list, name):
		return ErrThemeExists
	case len(list) >= MaxThemes:
		return ErrTooManyThemes
	}
	_, err = s.db.DB().NewInsert().Model(&Theme{OrganisationID: orgID, Name: name}).Exec(ctx)
	return err
}

// DeleteTheme removes one of the organisation's themes; one that is not
// there is ErrNotFound.
func (s *Service) DeleteTheme(ctx context.Context, orgID, id int64) error {
	res, err := s.db.DB().NewDelete().Model((*Theme)(nil)).Where("id = ? AND organisation_id = ?", id, orgID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SeedThemes gives an organisation that has no themes these.
func (s *Service) SeedThemes(ctx context.Context, orgID int64, names []string) error {
	return s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*Theme)(nil)).Where("organisation_id = ?", orgID).Count(ctx)
		if err != nil || n > 0 {
			return err
		}
		for _, name := range names {
			if _, err := tx.NewInsert().Model(&Theme{OrganisationID: orgID, Name: name}).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}
