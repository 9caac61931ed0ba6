// Package branding owns an organisation's look: its logo (SVG cleaned of
// anything active, or PNG/JPEG re-encoded), its primary and accent colours
// (checked for readable contrast) and its theme. Daughters inherit the
// nearest ancestor's look unless they set their own.
package branding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/refusal"
	"github.com/atriumhq/atrium/core/store"
)

// Brand is one organisation's look.
type Brand struct {
	bun.BaseModel `bun:"table:brands"`

	OrganisationID int64     `bun:"organisation_id,pk"`
	Logo           []byte    `bun:"logo"`
	LogoType       string    `bun:"logo_type,notnull"`
	Primary        string    `bun:"primary_colour,notnull"` // "#1f5f8b"
	Accent         string    `bun:"accent_colour,notnull"`
	Theme          string    `bun:"theme,notnull"`
	UpdatedAt      time.Time `bun:"updated_at,notnull"`
}

// Version changes whenever the brand does, for cache-busting addresses.
func (b *Brand) Version() string { return strconv.FormatInt(b.UpdatedAt.Unix(), 36) }

// Defaults are the shipped theme's colours.
const (
	DefaultPrimary = "#1f5f8b"
	DefaultAccent  = "#c2410c"
)

// Service keeps brands.
type Service struct {
	db     *store.DB
	themes []string
}

// NewService returns the branding service; themes are the shipped theme names.
func NewService(db *store.DB, themes []string) *Service { return &Service{db: db, themes: themes} }

// Themes lists the themes to choose from.
func (s *Service) Themes() []string { return s.themes }

// For returns the look that applies to an organisation given its lineage
// (nearest first): the nearest one set, or nil for the defaults.
func (s *Service) For(ctx context.Context, lineage []int64) (*Brand, error) {
	if len(lineage) == 0 {
		return nil, nil
	}
	var brands []Brand
	if err := s.db.NewSelect().Model(&brands).ExcludeColumn("logo").Where("organisation_id IN (?)", bun.List(lineage)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, id := range lineage {
		for _, b := range brands {
			if b.OrganisationID == id {
				return &b, nil
			}
		}
	}
	return nil, nil
}

// Own returns the look an organisation set itself, with its logo.
func (s *Service) Own(ctx context.Context, orgID int64) (*Brand, error) {
	b := &Brand{OrganisationID: orgID}
	err := s.db.NewSelect().Model(b).WherePK().Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return b, err
}

// Invalid names refused fields with message ids.
type Invalid = refusal.Fields

// Look is what an administrator chooses.
type Look struct {
	Primary, Accent, Theme string
	// Logo is a new logo's bytes; nil keeps the current one.
	Logo []byte
	// RemoveLogo drops the current logo.
	RemoveLogo bool
}

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Save checks and stores a look, all or nothing: colours must be #rrggbb with
// enough contrast against white text (4.5:1 for the primary colour, which
// carries text, 3:1 for the accent), the theme must exist, and a logo must be
// a clean SVG or a PNG/JPEG of at most 1 MB.
func (s *Service) Save(ctx context.Context, orgID int64, l Look) error {
	inv := &Invalid{Fields: map[string]string{}}
	l.Primary, l.Accent = strings.ToLower(strings.TrimSpace(l.Primary)), strings.ToLower(strings.TrimSpace(l.Accent))
	switch {
	case !hexColour.MatchString(l.Primary):
		inv.Fields["primary"] = "branding.error.colour"
	case Contrast(l.Primary, "#ffffff") < 4.5:
		inv.Fields["primary"] = "branding.error.contrast_text"
	}
	switch {
	case !hexColour.MatchString(l.Accent):
		inv.Fields["accent"] = "branding.error.colour"
	case Contrast(l.Accent, "#ffffff") < 3:
		inv.Fields["accent"] = "branding.error.contrast_accent"
	}
	if !slices.Contains(s.themes, l.Theme) {
		inv.Fields["theme"] = "form.choose"
	}
	var logo []byte
	var logoType string
	if l.Logo != nil {
		var err error
		if logo, logoType, err = CleanLogo(l.Logo); err != nil {
			var r *refusal.Error
			if !errors.As(err, &r) {
				return err
			}
			inv.Fields["logo"] = r.Message
		}
	}
	if len(inv.Fields) > 0 {
		return inv
	}
	b, err := s.Own(ctx, orgID)
	if err != nil {
		return err
	}
	if b == nil {
		b = &Brand{OrganisationID: orgID}
	}
	b.Primary, b.Accent, b.Theme, b.UpdatedAt = l.Primary, l.Accent, l.Theme, time.Now().UTC()
	if logo != nil {
		b.Logo, b.LogoType = logo, logoType
	}
	if l.RemoveLogo {
		b.Logo, b.LogoType = nil, ""
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if _, err := tx.NewInsert().Model(b).On("CONFLICT (organisation_id) DO UPDATE").
			Set("logo = EXCLUDED.logo").Set("logo_type = EXCLUDED.logo_type").Set("primary_colour = EXCLUDED.primary_colour").
			Set("accent_colour = EXCLUDED.accent_colour").Set("theme = EXCLUDED.theme").Set("updated_at = EXCLUDED.updated_at").Exec(ctx); err != nil {
			return err
		}
		return audit.Note(ctx, tx, orgID, "organisation.look_changed", 0, l.Primary+" "+l.Accent)
	})
}

// Contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	if len(hex) != 7 {
		return 0
	}
	channel := func(s string) float64 {
		v, _ := strconv.ParseUint(s, 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(hex[1:3]) + 0.7152*channel(hex[3:5]) + 0.0722*channel(hex[5:7])
}

// CSS is the style sheet that applies a brand's colours over the theme.
func (b *Brand) CSS() string {
	return fmt.Sprintf(":root{--brand:%s;--accent:%s;--brand-soft:color-mix(in srgb,%s 12%%,white)}\n", b.Primary, b.Accent, b.Primary)
}

// Migrations are the schema changes branding owns.
func Migrations() []store.Migration {
	type brand struct {
		bun.BaseModel  `bun:"table:brands"`
		OrganisationID int64     `bun:"organisation_id,pk"`
		Logo           []byte    `bun:"logo"`
		LogoType       string    `bun:"logo_type,notnull"`
		Primary        string    `bun:"primary_colour,notnull"`
		Accent         string    `bun:"accent_colour,notnull"`
		Theme          string    `bun:"theme,notnull"`
		UpdatedAt      time.Time `bun:"updated_at,notnull"`
	}
	return []store.Migration{{
		Name: "20261130131000_brands",
		Up: func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewCreateTable().Model((*brand)(nil)).ForeignKey("(organisation_id) REFERENCES organisations (id) ON DELETE CASCADE").Exec(ctx)
			return err
		},
		Down: store.DropTables((*brand)(nil)),
	}}
}
