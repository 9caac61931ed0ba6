package identity

import (
	"context"
	"crypto/rand"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// backupCode is one single-use code, kept as a keyed digest.
type backupCode struct {
	bun.BaseModel `bun:"table:backup_codes"`

	ID     int64      `bun:"id,pk,autoincrement"`
	UserID int64      `bun:"user_id,notnull"`
	Digest string     `bun:"digest,notnull"`
	UsedAt *time.Time `bun:"used_at"`
}

// backupCodeCount is how many codes a person gets at a time.
const backupCodeCount = 10

// codeAlphabet leaves out letters and digits that are easily confused.
const codeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// RegenerateBackupCodes voids the old codes and returns ten new ones, shown
// once, after a code of the authenticator: a session alone (a browser left
// open) never yields a second factor. Attempts are throttled per account.
func (s *Service) RegenerateBackupCodes(ctx context.Context, u *User, code, ip string) ([]string, error) {
	key := "backup-codes:" + strconv.FormatInt(u.ID, 10)
	if err := s.claim(ctx, key); err != nil {
		return nil, err
	}
	secret, err := s.totpSecret(u)
	if err != nil {
		return nil, err
	}
	var codes []string
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		ok, err := s.acceptTOTP(ctx, tx, u, secret, code, false)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("code", "account.code.wrong")
		}
		if codes, err = s.newBackupCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := s.succeeded(ctx, tx, key); err != nil {
			return err
		}
		return record(ctx, tx, "identity.backup_codes_regenerated", u, u.ID, ip, "")
	})
	return codes, err
}

// BackupCodesLeft counts the unused codes.
func (s *Service) BackupCodesLeft(ctx context.Context, userID int64) (int, error) {
	n, err := s.db.NewSelect().Model((*backupCode)(nil)).Where("user_id = ?", userID).Where("used_at IS NULL").Count(ctx)
	return int(n), err
}

func (s *Service) newBackupCodes(ctx context.Context, tx bun.IDB, userID int64) ([]string, error) {
	if _, err := tx.NewDelete().Model((*backupCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return nil, err
	}
	codes := make([]string, backupCodeCount)
	rows := make([]backupCode, backupCodeCount)
	for i := range codes {
		codes[i] = randomCode(10)
		codes[i] = codes[i][:5] + "-" + codes[i][5:]
		rows[i] = backupCode{UserID: userID, Digest: s.box.Digest(normalizeCode(codes[i]))}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return codes, err
}

// useBackupCode spends a code once: the conditional update lets one of two
// simultaneous uses win.
func (s *Service) useBackupCode(ctx context.Context, userID int64, code string) (bool, error) {
	code = normalizeCode(code)
	if len(code) != 10 {
		return false, nil
	}
	res, err := s.db.NewUpdate().Model((*backupCode)(nil)).Set("used_at = ?", s.Now().UTC()).
		Where("user_id = ?", userID).Where("digest = ?", s.box.Digest(code)).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
}

// randomCode draws n characters uniformly from codeAlphabet (bytes that would
// bias the choice are drawn again).
func randomCode(n int) string {
	limit := byte(256 - 256%len(codeAlphabet))
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	for len(out) < n {
		_, _ = rand.Read(buf)
		if buf[0] < limit {
			out = append(out, codeAlphabet[int(buf[0])%len(codeAlphabet)])
		}
	}
	return string(out)
}
