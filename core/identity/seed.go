package identity

import (
	"context"
	"errors"

	"github.com/atriumhq/atrium/core/tenancy"
)

// Seed makes a ready-to-use account, for the demo and for tests: active, terms
// accepted, the given password and, when totpSecret is set, that authenticator
// secret already enabled. An existing account is left as it is (seeding twice
// changes nothing) and only gains the membership.
func (s *Service) Seed(ctx context.Context, org *tenancy.Organisation, in Invitee, password, totpSecret string) (*User, bool, error) {
	var seeded *User
	created := false
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		u, err := s.find(ctx, tx, "email = ?", NormalizeEmail(in.Email))
		if errors.Is(err, ErrNotFound) {
			now := s.Now().UTC()
			u = &User{Email: NormalizeEmail(in.Email), GivenName: in.GivenName, NamePrefix: in.NamePrefix, FamilyName: in.FamilyName,
				Locale: in.Locale, TimeZone: org.TimeZone, Status: StatusActive, TermsAcceptedAt: &now, CreatedAt: now}
			if u.Locale == "" {
				u.Locale = org.Locale
			}
			if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
				return err
			}
			if err := s.setPassword(ctx, tx, u, password); err != nil {
				return err
			}
			if totpSecret != "" {
				u.TOTPSecret, u.TOTPEnabled = s.box.Seal(totpPurpose(u.ID), []byte(totpSecret)), true
				if _, err := tx.NewUpdate().Model(u).Column("totp_secret", "totp_enabled").WherePK().Exec(ctx); err != nil {
					return err
				}
			}
			created = true
		} else if err != nil {
			return err
		}
		seeded = u
		return tenancy.AddMember(ctx, tx, org.ID, u.ID, in.Role)
	})
	return seeded, created, err
}

// MakeOperator gives an account the platform operator's rights.
func (s *Service) MakeOperator(ctx context.Context, u *User) error {
	u.Operator = true
	_, err := s.db.NewUpdate().Model(u).Column("operator").WherePK().Exec(ctx)
	return err
}
