package events

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Subscriber is one reader of the log, such as a plugin, and where it
// started: 0 to read the whole history, else the newest event when it
// first subscribed.
type Subscriber struct {
	bun.BaseModel `bun:"table:event_subscribers"`

	Name      string    `bun:"name,pk"`
	Since     int64     `bun:"since,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Cursor is how far a subscriber has read an organisation's events, and
// who is reading them now.
type Cursor struct {
	bun.BaseModel `bun:"table:event_cursors"`

	Subscriber     string `bun:"subscriber,pk"`
	OrganisationID int64  `bun:"organisation_id,pk"`
	// Position is the last event handled.
	Position int64 `bun:"position,notnull"`
	// ClaimedBy is the instance reading now, until ClaimedUntil.
	ClaimedBy    string     `bun:"claimed_by,notnull"`
	ClaimedUntil *time.Time `bun:"claimed_until"`
	// Attempts counts failures in a row; NextAt is when to try again.
	Attempts  int       `bun:"attempts,notnull"`
	NextAt    time.Time `bun:"next_at,notnull"`
	LastError string    `bun:"last_error,notnull"`
	// GivenUp counts the events its handler failed MaxAttempts times,
	// which were then passed over so the ones after them could come.
	GivenUp int `bun:"given_up,notnull"`
}

// MaxAttempts is how often an event is tried (over about half an hour of
// backoff) before it is given up: one event the handler can never take
// must not hold back every one after it for ever.
const MaxAttempts = 12

// Subscribe records a subscriber the first time it is seen and tells where
// it starts: 0 with history (a statistics module backfills), else the
// newest event now.
func (l *Log) Subscribe(ctx context.Context, name string, history bool) (int64, error) {
	s := &Subscriber{Name: name}
	err := l.db.NewSelect().Model(s).WherePK().Scan(ctx)
	if err == nil {
		return s.Since, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if !history {
		if s.Since, err = l.Newest(ctx); err != nil {
			return 0, err
		}
	}
	s.CreatedAt = time.Now().UTC()
	if _, err := l.db.NewInsert().Model(s).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return 0, err
	}
	// Another instance may have been first: its start holds.
	if err := l.db.NewSelect().Model(s).WherePK().Scan(ctx); err != nil {
		return 0, err
	}
	return s.Since, nil
}

// Due are up to limit of the organisations given (those that have the
// subscriber on: the others' events wait, untouched) with events of the
// names given that the subscriber has not handled, not claimed by anyone
// and not waiting for a retry.
func (l *Log) Due(ctx context.Context, subscriber string, since int64, names []string, orgs []int64, limit int) ([]int64, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	now := time.Now().UTC()
	var due []int64
	err := l.db.NewRaw(`SELECT e.organisation_id FROM events e
		LEFT JOIN event_cursors c ON c.subscriber = ? AND c.organisation_id = e.organisation_id
		WHERE e.organisation_id IN (?) AND e.name IN (?) AND e.id > COALESCE(c.position, ?)
		AND (c.subscriber IS NULL OR ((c.claimed_until IS NULL OR c.claimed_until < ?) AND c.next_at <= ?))
		GROUP BY e.organisation_id ORDER BY MIN(e.id) LIMIT ?`, subscriber, bun.List(orgs), bun.List(names), since, now, now, limit).Scan(ctx, &due)
	return due, err
}

// Claim takes an organisation's events for a subscriber on behalf of
// holder (an instance) for ttl, unless someone else holds them or they
// wait for a retry; it gives the cursor, whose position is where to read
// from and whose attempts are the failures of the next event so far.
func (l *Log) Claim(ctx context.Context, subscriber string, orgID, since int64, holder string, ttl time.Duration) (*Cursor, bool, error) {
	now := time.Now().UTC()
	until := now.Add(ttl)
	c := &Cursor{Subscriber: subscriber, OrganisationID: orgID, Position: since, ClaimedBy: holder, ClaimedUntil: &until, NextAt: now}
	res, err := l.db.NewInsert().Model(c).
		On("CONFLICT (subscriber, organisation_id) DO UPDATE").
		Set("claimed_by = EXCLUDED.claimed_by").Set("claimed_until = EXCLUDED.claimed_until").
		Where("(?TableAlias.claimed_until IS NULL OR ?TableAlias.claimed_until < ?) AND ?TableAlias.next_at <= ?", now, now).
		Exec(ctx)
	if err != nil {
		return nil, false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, false, nil
	}
	claimed := new(Cursor)
	err = l.db.NewSelect().Model(claimed).
		Where("subscriber = ? AND organisation_id = ? AND claimed_by = ?", subscriber, orgID, holder).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return claimed, err == nil, err
}

// GiveUp passes over the event at position, which failed MaxAttempts
// times, recording it as given up.
func (l *Log) GiveUp(ctx context.Context, subscriber string, orgID int64, holder string, position int64, why error) error {
	msg := cleanText("given up: " + why.Error())
	_, err := l.db.NewUpdate().Model((*Cursor)(nil)).Set("position = ?", position).Set("attempts = 0").
		Set("given_up = given_up + 1").Set("last_error = ?", msg).
		Where("subscriber = ? AND organisation_id = ? AND claimed_by = ?", subscriber, orgID, holder).Exec(ctx)
	return err
}

// ErrLostClaim is a claim another instance took over (it lapsed): the
// holder stops, and the new one goes on from the cursor.
var ErrLostClaim = errors.New("events: the claim passed to another instance")

// Advance records that the holder's subscriber handled an organisation's
// events up to position, and extends the claim by ttl.
func (l *Log) Advance(ctx context.Context, subscriber string, orgID int64, holder string, position int64, ttl time.Duration) error {
	until := time.Now().UTC().Add(ttl)
	res, err := l.db.NewUpdate().Model((*Cursor)(nil)).Set("position = ?", position).Set("attempts = 0").
		Set("claimed_until = ?", until).
		Where("subscriber = ? AND organisation_id = ? AND claimed_by = ?", subscriber, orgID, holder).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrLostClaim
	}
	return nil
}

// Release gives an organisation's events back; after a failure they wait
// (a second, doubling to an hour) before anyone tries again.
func (l *Log) Release(ctx context.Context, subscriber string, orgID int64, holder string, failure error) error {
	q := l.db.NewUpdate().Model((*Cursor)(nil)).Set("claimed_by = ''").Set("claimed_until = NULL").
		Where("subscriber = ? AND organisation_id = ? AND claimed_by = ?", subscriber, orgID, holder)
	if failure != nil {
		c := &Cursor{}
		if err := l.db.NewSelect().Model(c).Column("attempts").Where("subscriber = ? AND organisation_id = ?", subscriber, orgID).Scan(ctx); err != nil {
			return err
		}
		msg := cleanText(failure.Error())
		q = q.Set("attempts = attempts + 1").Set("next_at = ?", time.Now().UTC().Add(Backoff(c.Attempts+1))).Set("last_error = ?", msg)
	}
	_, err := q.Exec(ctx)
	return err
}

// Backoff is the wait after the nth failure in a row: a second, doubling,
// at most an hour.
func Backoff(n int) time.Duration {
	d := time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Lag is how many events of the names given wait for a subscriber in an
// organisation, for the operator and tests.
func (l *Log) Lag(ctx context.Context, subscriber string, orgID, since int64, names []string) (int64, error) {
	return l.db.NewSelect().Model((*Event)(nil)).
		Where("organisation_id = ? AND name IN (?)", orgID, bun.List(names)).
		Where("id > COALESCE((SELECT position FROM event_cursors WHERE subscriber = ? AND organisation_id = ?), ?)", subscriber, orgID, since).
		Count(ctx)
}

// Trouble is how a subscriber's deliveries fail: in how many
// organisations its events wait for a retry, how many were given up, and
// the latest error.
type Trouble struct {
	Organisations int
	GivenUp       int
	LastError     string
}

// TroubleOf tells whether a subscriber's events wait for retries or were
// given up.
func (l *Log) TroubleOf(ctx context.Context, subscriber string) (Trouble, error) {
	var rows []Cursor
	err := l.db.NewSelect().Model(&rows).Column("attempts", "given_up", "last_error", "next_at").
		Where("subscriber = ? AND (attempts > 0 OR given_up > 0)", subscriber).Order("next_at DESC").Scan(ctx)
	var t Trouble
	for _, c := range rows {
		if c.Attempts > 0 {
			t.Organisations++
		}
		t.GivenUp += c.GivenUp
		if t.LastError == "" {
			t.LastError = c.LastError
		}
	}
	return t, err
}
