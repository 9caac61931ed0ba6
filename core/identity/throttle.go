package identity

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// throttle counts failed attempts per key ("account:<address>" and
// "address:<ip>"). After ThrottleAfter failures every next try must wait,
// 1 s doubling up to 15 minutes; a success clears the key.
type throttle struct {
	bun.BaseModel `bun:"table:sign_in_throttles"`

	Key          string    `bun:"key,pk"`
	Failures     int       `bun:"failures,notnull"`
	BlockedUntil time.Time `bun:"blocked_until,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

const maxThrottle = 15 * time.Minute

// waitFor tells how long the keys must still wait, zero when they may try.
func (s *Service) waitFor(ctx context.Context, keys ...string) (time.Duration, error) {
	var rows []throttle
	if err := s.db.NewSelect().Model(&rows).Where("key IN (?)", bun.List(keys)).Scan(ctx); err != nil {
		return 0, err
	}
	var wait time.Duration
	now := s.Now()
	for _, r := range rows {
		wait = max(wait, r.BlockedUntil.Sub(now))
	}
	return wait.Round(time.Second), nil
}

// mayTry returns *Throttled while any of the keys must still wait.
func (s *Service) mayTry(ctx context.Context, keys ...string) error {
	wait, err := s.waitFor(ctx, keys...)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &Throttled{Wait: wait}
	}
	return nil
}

// fail counts a failure for each key.
func (s *Service) fail(ctx context.Context, keys ...string) error {
	now := s.Now().UTC()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, key := range keys {
			// One atomic increment, the same on SQLite and PostgreSQL.
			var failures int
			err := tx.NewRaw(`INSERT INTO sign_in_throttles (key, failures, blocked_until, updated_at) VALUES (?, 1, ?, ?)
				ON CONFLICT (key) DO UPDATE SET failures = sign_in_throttles.failures + 1, updated_at = excluded.updated_at
				RETURNING failures`, key, now, now).Scan(ctx, &failures)
			if err != nil {
				return err
			}
			if over := failures - s.cfg.ThrottleAfter; over >= 0 {
				until := now.Add(min(time.Second<<min(over, 20), maxThrottle))
				if _, err := tx.NewUpdate().Model((*throttle)(nil)).Set("blocked_until = ?", until).Where("key = ?", key).Exec(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// clear forgets the failures of the keys after a success.
func (s *Service) clear(ctx context.Context, db bun.IDB, keys ...string) error {
	_, err := db.NewDelete().Model((*throttle)(nil)).Where("key IN (?)", bun.List(keys)).Exec(ctx)
	return err
}
