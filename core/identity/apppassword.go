package identity

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/secrets"
)

// AppPassword lets a calendar or other app sign in over a protocol endpoint
// (CalDAV) with Basic authentication. It never works for the web sign-in.
type AppPassword struct {
	bun.BaseModel `bun:"table:app_passwords"`

	ID         int64      `bun:"id,pk,autoincrement"`
	UserID     int64      `bun:"user_id,notnull"`
	Name       string     `bun:"name,notnull"`
	Hash       string     `bun:"hash,notnull,unique"` // SHA-256: the password has 100 random bits
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

// CreateAppPassword makes a named app password and returns it; it is shown
// once and stored only as a hash.
func (s *Service) CreateAppPassword(ctx context.Context, u *User, name, ip string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 80 {
		return "", invalid("name", "identity.app_password.name_required")
	}
	plain := group(randomCode(20), 5)
	plain = strings.ReplaceAll(plain, " ", "-")
	ap := &AppPassword{UserID: u.ID, Name: name, Hash: secrets.Hash(normalizeCode(plain)), CreatedAt: s.Now().UTC()}
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if _, err := tx.NewInsert().Model(ap).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, "identity.app_password_created", u, u.ID, ip, name)
	})
	return plain, err
}

// AppPasswords lists a person's live app passwords.
func (s *Service) AppPasswords(ctx context.Context, userID int64) ([]AppPassword, error) {
	var list []AppPassword
	err := s.db.NewSelect().Model(&list).Where("user_id = ?", userID).Where("revoked_at IS NULL").Order("id").Scan(ctx)
	return list, err
}

// RevokeAppPassword stops one of the person's own app passwords.
func (s *Service) RevokeAppPassword(ctx context.Context, u *User, id int64, ip string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		res, err := tx.NewUpdate().Model((*AppPassword)(nil)).Set("revoked_at = ?", s.Now().UTC()).
			Where("id = ?", id).Where("user_id = ?", u.ID).Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return record(ctx, tx, "identity.app_password_revoked", u, u.ID, ip, "")
	})
}

// AppPasswordID names an app password by what its owner types, however
// it is spelt (the hash it is kept by), so that its requests are counted
// together.
func AppPasswordID(password string) string { return secrets.Hash(normalizeCode(password)) }

// CheckAppPassword authenticates a protocol request; every refusal reads
// the same. App passwords carry 100 random bits, so guessing one is
// hopeless: failures are throttled per address only (a count per account
// would let anyone who knows the address stop the owner's calendar apps),
// and counted after the check rather than before it, so that a calendar
// app's requests, nearly all of them right, write nothing (two commits a
// request were most of a sync's time on PostgreSQL). Wrong ones sent at
// once may each be checked before the first is counted; against 100 bits
// that gains nothing.
func (s *Service) CheckAppPassword(ctx context.Context, email, password, ip string) (*User, error) {
	email = NormalizeEmail(email)
	key := "address:app:" + ip
	if err := s.waiting(ctx, key); err != nil {
		return nil, err
	}
	u, err := s.find(ctx, s.db, "email = ?", email)
	ap := new(AppPassword)
	hash := AppPasswordID(password)
	if err == nil && u.Status == StatusActive {
		err = s.db.NewSelect().Model(ap).Where("user_id = ?", u.ID).Where("hash = ?", hash).Where("revoked_at IS NULL").Scan(ctx)
	}
	if err != nil || u.Status != StatusActive || subtle.ConstantTimeCompare([]byte(ap.Hash), []byte(hash)) != 1 {
		if err := s.claim(ctx, key); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	now := s.Now().UTC()
	if ap.LastUsedAt == nil || now.Sub(*ap.LastUsedAt) > time.Minute {
		if _, err := s.db.NewUpdate().Model(ap).Set("last_used_at = ?", now).WherePK().Exec(ctx); err != nil {
			return nil, err
		}
	}
	return u, nil
}
