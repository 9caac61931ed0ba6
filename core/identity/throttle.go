package identity

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// throttle counts the attempts at a secret per key: "account:<address>"
// (sign-ins from browsers the account does not know), "device:<id>" (a
// browser it knows), "address:<ip>", "code:<id>" and the like. After
// ThrottleAfter failures every next try must wait, 1 s doubling up to 15
// minutes. docs/security.md tells the whole design.
type throttle struct {
	bun.BaseModel `bun:"table:sign_in_throttles"`

	Key          string    `bun:"key,pk"`
	Failures     int       `bun:"failures,notnull"`
	BlockedUntil time.Time `bun:"blocked_until,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

const (
	maxThrottle = 15 * time.Minute
	// quietReset forgets a key's failures after an hour without attempts:
	// an office's typos of last week do not slow down today's sign-ins.
	quietReset = time.Hour
)

// freeFailures is how many failures a key allows before pauses begin. An
// address allows ten times an account's, since many people may share one
// (an office, a school); it only slows down guessing across accounts.
func (s *Service) freeFailures(key string) int {
	if strings.HasPrefix(key, "address:") {
		return 10 * s.cfg.ThrottleAfter
	}
	return s.cfg.ThrottleAfter
}

// claim counts an attempt as a failure on every key before its secret is
// checked, and refuses it with *Throttled, counting nothing, while any key
// must still wait. The check and the count are one transaction holding the
// keys' rows, so parallel attempts queue on them: of twelve wrong passwords
// sent at once, only those the throttle allows are ever checked. A success
// takes its count back (succeeded).
func (s *Service) claim(ctx context.Context, keys ...string) error {
	keys = slices.Sorted(slices.Values(keys)) // one lock order for every caller
	now := s.Now().UTC()
	var wait time.Duration
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		counts := make([]int, len(keys))
		for i, key := range keys {
			// One atomic increment, the same on SQLite and PostgreSQL; the
			// row stays locked until the transaction ends.
			var row struct {
				Failures     int       `bun:"failures"`
				BlockedUntil time.Time `bun:"blocked_until"`
			}
			// A count quiet for an hour starts again.
			err := tx.NewRaw(`INSERT INTO sign_in_throttles (key, failures, blocked_until, updated_at) VALUES (?, 1, ?, ?)
				ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN sign_in_throttles.updated_at < ? THEN 1 ELSE sign_in_throttles.failures + 1 END,
				updated_at = excluded.updated_at
				RETURNING failures, blocked_until`, key, now, now, now.Add(-quietReset)).Scan(ctx, &row)
			if err != nil {
				return err
			}
			wait = max(wait, row.BlockedUntil.Sub(now))
			counts[i] = row.Failures
		}
		if wait > 0 {
			return errThrottled // rolls the counts back: a refused try is not a try
		}
		for i, key := range keys {
			if over := counts[i] - s.freeFailures(key); over >= 0 {
				until := now.Add(min(time.Second<<min(over, 20), maxThrottle))
				if _, err := tx.NewUpdate().Model((*throttle)(nil)).Set("blocked_until = ?", until).Where("key = ?", key).Exec(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, errThrottled) {
		return &Throttled{Wait: max(time.Second, wait.Round(time.Second))}
	}
	return err
}

// waiting refuses with *Throttled while a key must still wait, counting
// nothing and writing nothing.
func (s *Service) waiting(ctx context.Context, key string) error {
	var until time.Time
	err := s.db.NewSelect().Model((*throttle)(nil)).Column("blocked_until").Where("key = ?", key).Scan(ctx, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if wait := until.Sub(s.Now().UTC()); wait > 0 {
		return &Throttled{Wait: max(time.Second, wait.Round(time.Second))}
	}
	return nil
}

// errThrottled only carries a refusal out of claim's transaction.
var errThrottled = errors.New("identity: throttled")

// succeeded takes a successful attempt's count back. The keys of the
// account (or the browser) are forgotten: their owner got in. An address
// only loses the one count, so that an attacker's own successful sign-ins
// never wipe out the failures of the same address against other accounts.
func (s *Service) succeeded(ctx context.Context, db bun.IDB, keys ...string) error {
	for _, key := range keys {
		var err error
		if strings.HasPrefix(key, "address:") {
			// The pause this attempt's own count set, if any, goes with it.
			_, err = db.NewUpdate().Model((*throttle)(nil)).Set("failures = failures - 1").
				Set("blocked_until = CASE WHEN failures - 1 < ? THEN ? ELSE blocked_until END", s.freeFailures(key), s.Now().UTC()).
				Where("key = ?", key).Where("failures > 0").Exec(ctx)
		} else {
			_, err = db.NewDelete().Model((*throttle)(nil)).Where("key = ?", key).Exec(ctx)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// clear forgets the failures of the keys: an administrator's unlock, a
// password reset through the mailbox.
func (s *Service) clear(ctx context.Context, db bun.IDB, keys ...string) error {
	_, err := db.NewDelete().Model((*throttle)(nil)).Where("key IN (?)", bun.List(keys)).Exec(ctx)
	return err
}
