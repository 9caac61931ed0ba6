package identity

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"github.com/atriumhq/atrium/core/refusal"
)

// Profile is what a person may change about themselves. The e-mail address is
// not here: only an administrator changes a login.
type Profile struct {
	GivenName, NamePrefix, FamilyName, Phone, Locale, TimeZone string
}

// UpdateProfile checks and saves a profile; nothing is saved when a field is refused.
func (s *Service) UpdateProfile(ctx context.Context, u *User, p Profile, locales []string) error {
	inv := &Invalid{}
	p.GivenName, p.FamilyName = strings.TrimSpace(p.GivenName), strings.TrimSpace(p.FamilyName)
	if p.GivenName == "" {
		inv.add("given_name", "form.required")
	}
	if p.FamilyName == "" {
		inv.add("family_name", "form.required")
	}
	for field, v := range map[string]string{"given_name": p.GivenName, "name_prefix": p.NamePrefix, "family_name": p.FamilyName, "phone": p.Phone} {
		if len([]rune(v)) > 100 {
			inv.add(field, "form.too_long")
		}
	}
	if strings.Trim(p.Phone, "+0123456789 -()") != "" {
		inv.add("phone", "form.phone")
	}
	known := false
	for _, l := range locales {
		known = known || l == p.Locale
	}
	if !known {
		inv.add("locale", "form.choose")
	}
	if _, err := time.LoadLocation(p.TimeZone); err != nil || p.TimeZone == "" {
		inv.add("time_zone", "form.time_zone")
	}
	if err := inv.orNil(); err != nil {
		return err
	}
	u.GivenName, u.NamePrefix, u.FamilyName = p.GivenName, strings.TrimSpace(p.NamePrefix), p.FamilyName
	u.Phone, u.Locale, u.TimeZone = strings.TrimSpace(p.Phone), p.Locale, p.TimeZone
	_, err := s.db.NewUpdate().Model(u).Column("given_name", "name_prefix", "family_name", "phone", "locale", "time_zone").WherePK().Exec(ctx)
	return err
}

// Photo limits.
const (
	MaxPhotoBytes  = 5 << 20
	maxPhotoPixels = 40_000_000
	photoSize      = 256
)

// ErrPhoto explains a refused photo with a message id.
var ErrPhoto = refusal.New(refusal.Invalid, "identity: not a photo", "identity.photo.invalid").On("photo")

// SetPhoto accepts a JPEG or PNG, reads its size before decoding (so a
// decompression bomb is refused unread), crops it to a centred square, scales
// it to 256×256 and re-encodes it: whatever metadata it carried is gone.
func (s *Service) SetPhoto(ctx context.Context, u *User, data []byte) error {
	if len(data) == 0 || len(data) > MaxPhotoBytes {
		return ErrPhoto
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "jpeg" && format != "png") || cfg.Width*cfg.Height > maxPhotoPixels || cfg.Width < 16 || cfg.Height < 16 {
		return ErrPhoto
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return ErrPhoto
	}
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	crop := image.Rect(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2, 0, 0)
	crop.Max = crop.Min.Add(image.Pt(side, side))
	out := image.NewRGBA(image.Rect(0, 0, photoSize, photoSize))
	draw.CatmullRom.Scale(out, out.Bounds(), img, crop, draw.Src, nil)
	var buf bytes.Buffer
	kind := "image/jpeg"
	if format == "png" {
		kind = "image/png"
		err = png.Encode(&buf, out)
	} else {
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		return err
	}
	u.Photo, u.PhotoType = buf.Bytes(), kind
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		_, err := tx.NewUpdate().Model(u).Column("photo", "photo_type").WherePK().Exec(ctx)
		return err
	})
}

// RemovePhoto deletes the person's photo.
func (s *Service) RemovePhoto(ctx context.Context, u *User) error {
	u.Photo, u.PhotoType = nil, ""
	_, err := s.db.NewUpdate().Model(u).Column("photo", "photo_type").WherePK().Exec(ctx)
	return err
}

// SetLocale saves the language a person chose in the menu.
func (s *Service) SetLocale(ctx context.Context, u *User, locale string) error {
	u.Locale = locale
	_, err := s.db.NewUpdate().Model(u).Column("locale").WherePK().Exec(ctx)
	return err
}
