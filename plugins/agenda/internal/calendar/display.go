package calendar

import (
	"context"
	"encoding/xml"

	"github.com/uptrace/bun"
)

// display is what one person's calendar apps set for their own display
// of their calendar (its colour, order, name), kept per person so that
// every device shows it alike and Apple Calendar's colour stays.
type display struct {
	bun.BaseModel  `bun:"table:agenda_dav_display"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	UserID         int64  `bun:"user_id,pk"`
	Space          string `bun:"space,pk"` // the property's XML namespace
	Local          string `bun:"local,pk"`
	Value          string `bun:"value,notnull"`
}

// Presentation is what the person's apps set for their calendar.
func (s *Store) Presentation(ctx context.Context, calendar string) (map[xml.Name]string, error) {
	r, err := from(ctx)
	if err != nil {
		return nil, err
	}
	var rows []display
	if err := s.db.DB().NewSelect().Model(&rows).Where("organisation_id = ? AND user_id = ?", r.OrganisationID(), r.UserID()).Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[xml.Name]string, len(rows))
	for _, d := range rows {
		out[xml.Name{Space: d.Space, Local: d.Local}] = d.Value
	}
	return out, nil
}

// SetPresentation keeps what the person's app set for their calendar (the
// calendar is theirs: the handler checked it).
func (s *Store) SetPresentation(ctx context.Context, calendar string, set map[xml.Name]string, remove []xml.Name) error {
	r, err := from(ctx)
	if err != nil {
		return err
	}
	return s.db.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, n := range remove {
			if _, err := tx.NewDelete().Model((*display)(nil)).Where("organisation_id = ? AND user_id = ? AND space = ? AND local = ?", r.OrganisationID(), r.UserID(), n.Space, n.Local).Exec(ctx); err != nil {
				return err
			}
		}
		for n, v := range set {
			d := &display{OrganisationID: r.OrganisationID(), UserID: r.UserID(), Space: n.Space, Local: n.Local, Value: v}
			if _, err := tx.NewInsert().Model(d).On("CONFLICT (organisation_id, user_id, space, local) DO UPDATE").Set("value = EXCLUDED.value").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}
