package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
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

// ErrFactorEnabled refuses setting up an authenticator for an account that
// has one: replacing it takes a fresh proof (BeginReplacement) or an
// administrator's reset, never the set-up step of a half-done sign-in.
var ErrFactorEnabled = errors.New("identity: the account has an authenticator already")

// ErrNoReplacement is a replacement step asked for without its proof.
var ErrNoReplacement = errors.New("identity: no replacement was started")

// StartEnrolment gives a person without an authenticator a new secret,
// sealed in the database but not yet enabled. A reload of the page shows the
// same secret, so a scan already done stays valid.
func (s *Service) StartEnrolment(ctx context.Context, u *User, issuer string) (*Enrolment, error) {
	if u.TOTPEnabled {
		return nil, ErrFactorEnabled
	}
	secret, err := s.totpSecret(u)
	if err != nil || secret == "" {
		if secret, err = newTOTPSecret(issuer, u.Email); err != nil {
			return nil, err
		}
		// Only an account without a confirmed factor is written: the
		// condition keeps a request racing a completed enrolment from
		// switching the new factor off again.
		sealed := s.box.Seal(totpPurpose(u.ID), []byte(secret))
		res, err := s.db.NewUpdate().Model((*User)(nil)).Set("totp_secret = ?", sealed).
			Where("id = ?", u.ID).Where("totp_enabled = ?", false).Exec(ctx)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, ErrFactorEnabled
		}
		u.TOTPSecret = sealed
	}
	return enrolment(issuer, u.Email, secret)
}

// CompleteEnrolment enables the second factor after a correct code and returns
// the first backup codes, which are shown once.
func (s *Service) CompleteEnrolment(ctx context.Context, u *User, code, ip string) ([]string, error) {
	if u.TOTPEnabled {
		return nil, ErrFactorEnabled
	}
	secret, err := s.totpSecret(u)
	if err != nil || secret == "" {
		return nil, ErrBadCode
	}
	var codes []string
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		ok, err := s.acceptTOTP(ctx, tx, u, secret, code, true)
		if err != nil {
			return err
		}
		if !ok {
			return ErrBadCode
		}
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("totp_enabled = ?", true).
			Where("id = ?", u.ID).Where("totp_enabled = ?", false).Where("totp_secret = ?", u.TOTPSecret).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrFactorEnabled
		}
		u.TOTPEnabled = true
		if codes, err = s.newBackupCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return record(ctx, tx, "identity.factor_enrolled", u, u.ID, ip, "")
	})
	return codes, err
}

// totpSecret opens the account's authenticator secret ("" for none).
func (s *Service) totpSecret(u *User) (string, error) {
	if u.TOTPSecret == "" {
		return "", nil
	}
	plain, err := s.box.OpenSealed(totpPurpose(u.ID), u.TOTPSecret)
	return string(plain), err
}

func newTOTPSecret(issuer, account string) (string, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod, Digits: totpDigits, Rand: rand.Reader})
	if err != nil {
		return "", err
	}
	return key.Secret(), nil
}

// enrolment is what an authenticator app needs of a secret: the key typed by
// hand, the otpauth:// address and its QR code.
func enrolment(issuer, account, secret string) (*Enrolment, error) {
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&period=%d&digits=6&algorithm=SHA1",
		pathEscape(issuer), pathEscape(account), secret, pathEscape(issuer), totpPeriod))
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

// acceptTOTP checks a code against a secret (the account's, or the one
// replacing it), allowing one step of clock skew either way, and refuses a
// code whose step was used already: the last accepted step moves forward
// with a conditional update, so of two requests with the same code only
// one can win. A fresh secret (being set up) has had no code accepted, so
// its first code may share a step with the last code of the one it
// replaces; the last step still moves forward.
func (s *Service) acceptTOTP(ctx context.Context, db bun.IDB, u *User, secret, code string, fresh bool) (bool, error) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 || secret == "" {
		return false, nil
	}
	now := s.Now().Unix()
	for _, skew := range []int64{0, -1, 1} {
		step := now/totpPeriod + skew
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return false, err
		}
		if want != code {
			continue
		}
		q := db.NewUpdate().Model((*User)(nil)).Where("id = ?", u.ID)
		if fresh {
			q = q.Set("totp_last_step = CASE WHEN totp_last_step < ? THEN ? ELSE totp_last_step END", step, step)
		} else {
			q = q.Set("totp_last_step = ?", step).Where("totp_last_step < ?", step)
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return false, err
		}
		n, _ := res.RowsAffected()
		if n == 1 {
			u.TOTPLastStep = max(u.TOTPLastStep, step)
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
