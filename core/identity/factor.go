package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"
)

// TOTP parameters every common authenticator app understands (RFC 6238).
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
)

// Enrolment is what the set-up page shows.
type Enrolment struct {
	Secret  string // base32, for typing in by hand
	Grouped string // the secret in groups of four
	URL     string // otpauth:// address in the QR code
	QR      []byte // PNG
}

// StartEnrolment gives the person a new authenticator secret, sealed in the
// database but not yet enabled. A reload of the page shows the same secret, so
// a scan already done stays valid.
func (s *Service) StartEnrolment(ctx context.Context, u *User, issuer string) (*Enrolment, error) {
	var secret string
	if u.TOTPSecret != "" && !u.TOTPEnabled {
		plain, err := s.box.OpenSealed(totpPurpose(u.ID), u.TOTPSecret)
		if err == nil {
			secret = string(plain)
		}
	}
	if secret == "" {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email, Period: totpPeriod, Digits: totpDigits, Rand: rand.Reader})
		if err != nil {
			return nil, err
		}
		secret = key.Secret()
		u.TOTPSecret, u.TOTPEnabled = s.box.Seal(totpPurpose(u.ID), []byte(secret)), false
		if _, err := s.db.NewUpdate().Model(u).Column("totp_secret", "totp_enabled").WherePK().Exec(ctx); err != nil {
			return nil, err
		}
	}
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&period=%d&digits=6&algorithm=SHA1",
		pathEscape(issuer), pathEscape(u.Email), secret, pathEscape(issuer), totpPeriod))
	if err != nil {
		return nil, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &Enrolment{Secret: secret, Grouped: group(secret, 4), URL: key.URL(), QR: buf.Bytes()}, nil
}

// CompleteEnrolment enables the second factor after a correct code and returns
// the first backup codes, which are shown once.
func (s *Service) CompleteEnrolment(ctx context.Context, u *User, code, ip string) ([]string, error) {
	if u.TOTPSecret == "" || u.TOTPEnabled {
		return nil, ErrBadCode
	}
	var codes []string
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ok, err := s.acceptTOTP(ctx, tx, u, code)
		if err != nil {
			return err
		}
		if !ok {
			return ErrBadCode
		}
		u.TOTPEnabled = true
		if _, err := tx.NewUpdate().Model(u).Column("totp_enabled").WherePK().Exec(ctx); err != nil {
			return err
		}
		if codes, err = s.newBackupCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return record(ctx, tx, "identity.factor_enrolled", u, u.ID, ip, "")
	})
	return codes, err
}

// acceptTOTP checks a code against the secret, allowing one step of clock
// skew either way, and refuses a code whose step was used already: the last
// accepted step moves forward with a conditional update, so of two requests
// with the same code only one can win.
func (s *Service) acceptTOTP(ctx context.Context, db bun.IDB, u *User, code string) (bool, error) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 || u.TOTPSecret == "" {
		return false, nil
	}
	plain, err := s.box.OpenSealed(totpPurpose(u.ID), u.TOTPSecret)
	if err != nil {
		return false, err
	}
	now := s.Now().Unix()
	for _, skew := range []int64{0, -1, 1} {
		step := now/totpPeriod + skew
		want, err := totp.GenerateCodeCustom(string(plain), time.Unix(step*totpPeriod, 0), totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return false, err
		}
		if want != code {
			continue
		}
		res, err := db.NewUpdate().Model((*User)(nil)).Set("totp_last_step = ?", step).
			Where("id = ?", u.ID).Where("totp_last_step < ?", step).Exec(ctx)
		if err != nil {
			return false, err
		}
		n, _ := res.RowsAffected()
		if n == 1 {
			u.TOTPLastStep = step
		}
		return n == 1, nil
	}
	return false, nil
}

// CodeAt is the authenticator code of a secret at a moment, for the demo's
// published key and for tests that play the authenticator app.
func CodeAt(secret string, at time.Time) string {
	code, _ := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	return code
}

func totpPurpose(userID int64) string { return "totp:" + strconv.FormatInt(userID, 10) }

func group(s string, n int) string {
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), " ")
}

func pathEscape(s string) string {
	return strings.NewReplacer(" ", "%20", ":", "%3A", "@", "%40", "/", "%2F", "?", "%3F", "&", "%26").Replace(s)
}
