// Package identity owns people's accounts and how they prove who they are:
// invitations, passwords and their policy, the second factor (TOTP) and backup
// codes, sign-in throttling and lockout, password resets, app passwords for
// calendar apps, and profile photos.
package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/refusal"
)

// Account states.
const (
	StatusInvited     = "invited" // has not chosen a password yet
	StatusActive      = "active"
	StatusDeactivated = "deactivated"
)

// User is one person's account. The e-mail address is the login and is unique
// across the platform.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID                int64      `bun:"id,pk,autoincrement"`
	Email             string     `bun:"email,notnull,unique"`
	GivenName         string     `bun:"given_name,notnull"`
	NamePrefix        string     `bun:"name_prefix,notnull"` // "van der"
	FamilyName        string     `bun:"family_name,notnull"`
	Phone             string     `bun:"phone,notnull"`
	Locale            string     `bun:"locale,notnull"`
	TimeZone          string     `bun:"time_zone,notnull"`
	Status            string     `bun:"status,notnull"`
	Operator          bool       `bun:"operator,notnull"`
	PasswordHash      string     `bun:"password_hash,notnull"`
	PasswordChangedAt *time.Time `bun:"password_changed_at"`
	TermsAcceptedAt   *time.Time `bun:"terms_accepted_at"`
	TOTPSecret        string     `bun:"totp_secret,notnull"` // sealed; set at enrolment, enabled after a correct code
	TOTPEnabled       bool       `bun:"totp_enabled,notnull"`
	TOTPLastStep      int64      `bun:"totp_last_step,notnull"` // the last accepted time step: no code is used twice
	// TOTPPending is a secret waiting to replace the authenticator, sealed
	// for the session that started the replacement, until TOTPPendingUntil.
	TOTPPending      string     `bun:"totp_pending,notnull"`
	TOTPPendingUntil *time.Time `bun:"totp_pending_until"`
	// PendingEmail is a new sign-in address an administrator asked for,
	// waiting for its mailbox to confirm it.
	PendingEmail  string     `bun:"pending_email,notnull"`
	FailedSignIns int        `bun:"failed_sign_ins,notnull"`
	LockedAt      *time.Time `bun:"locked_at"`
	Photo         []byte     `bun:"photo"`
	PhotoType     string     `bun:"photo_type,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	LastSignInAt  *time.Time `bun:"last_sign_in_at"`
}

// Name is the full display name: "Sam van der Berg".
func (u *User) Name() string {
	return strings.Join(strings.Fields(u.GivenName+" "+u.NamePrefix+" "+u.FamilyName), " ")
}

// Initials are the photo placeholder: "SB".
func (u *User) Initials() string {
	var out []rune
	for _, part := range []string{u.GivenName, u.FamilyName} {
		if r := []rune(strings.TrimSpace(part)); len(r) > 0 {
			out = append(out, r[0])
		}
	}
	return strings.ToUpper(string(out))
}

// Locked tells whether the account is locked after too many failures.
func (u *User) Locked() bool { return u.LockedAt != nil }

// ErrNotFound is returned when no account matches.
var ErrNotFound = refusal.New(refusal.NotFound, "identity: account not found", "")

// NormalizeEmail lower-cases and trims an address, so that one person has one
// login however they type it.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ByEmail finds an account by its login.
func (s *Service) ByEmail(ctx context.Context, email string) (*User, error) {
	return s.find(ctx, s.db, "email = ?", NormalizeEmail(email))
}

// ByID finds an account.
func (s *Service) ByID(ctx context.Context, id int64) (*User, error) {
	return s.find(ctx, s.db, "id = ?", id)
}

// ByIDs loads several accounts at once, in no particular order.
func (s *Service) ByIDs(ctx context.Context, ids []int64) ([]User, error) {
	var users []User
	if len(ids) == 0 {
		return users, nil
	}
	err := s.db.NewSelect().Model(&users).ExcludeColumn("photo").Where("id IN (?)", bun.List(ids)).Order("family_name", "given_name").Scan(ctx)
	return users, err
}

func (s *Service) find(ctx context.Context, db bun.IDB, where string, arg any) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where(where, arg).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("identity: find account: %w", err)
	}
	return u, nil
}

// DisplayName is a person's name for lists and logs; erased or nameless
// accounts show their address.
func DisplayName(u *User) string {
	if n := u.Name(); n != "" {
		return n
	}
	return u.Email
}
