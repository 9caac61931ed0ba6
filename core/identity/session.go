package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/secrets"
)

// Session is one signed-in browser. Sessions live in the database, so any
// instance can serve any request; the cookie holds a random token and the
// table only its SHA-256.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID           string `bun:"id,pk"` // SHA-256 of the cookie's token
	UserID       int64  `bun:"user_id,notnull"`
	SecondFactor bool   `bun:"second_factor,notnull"` // the second step is done
	// OrganisationID is the organisation the person works in now (0: their first).
	OrganisationID int64     `bun:"organisation_id,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
	LastSeenAt     time.Time `bun:"last_seen_at,notnull"`
	ExpiresAt      time.Time `bun:"expires_at,notnull"` // the absolute end
	IP             string    `bun:"ip,notnull"`
	UserAgent      string    `bun:"user_agent,notnull"`
}

// ErrNoSession is returned for a missing, ended or timed-out session.
var ErrNoSession = errors.New("identity: no session")

// touchEvery limits writes: last_seen_at moves at most once a minute.
const touchEvery = time.Minute

// StartSession makes a new session after the first sign-in step and returns
// the token for the cookie. A new token at every sign-in defeats fixation.
func (s *Service) StartSession(ctx context.Context, u *User, secondFactor bool, ip, userAgent string) (string, *Session, error) {
	token := secrets.Token(32)
	now := s.Now().UTC()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	sess := &Session{ID: secrets.Hash(token), UserID: u.ID, SecondFactor: secondFactor, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.cfg.SessionMax), IP: ip, UserAgent: userAgent}
	_, err := s.db.NewInsert().Model(sess).Exec(ctx)
	return token, sess, err
}

// Session finds the live session of a cookie token and its account, ending it
// when it has been idle too long or reached its absolute end.
func (s *Service) Session(ctx context.Context, token string) (*Session, *User, error) {
	if token == "" {
		return nil, nil, ErrNoSession
	}
	// The session and its account in one query: this runs on every request.
	var row struct {
		Session `bun:"s,extend"`
		User    User `bun:"u,embed:u__"`
	}
	err := s.db.NewSelect().TableExpr("sessions AS s").ColumnExpr("s.*").
		ColumnExpr("u.id AS u__id, u.email AS u__email, u.given_name AS u__given_name, u.name_prefix AS u__name_prefix, u.family_name AS u__family_name, u.phone AS u__phone, u.locale AS u__locale, u.time_zone AS u__time_zone, u.status AS u__status, u.operator AS u__operator, u.totp_enabled AS u__totp_enabled, u.failed_sign_ins AS u__failed_sign_ins, u.locked_at AS u__locked_at, u.photo_type AS u__photo_type, u.created_at AS u__created_at, u.last_sign_in_at AS u__last_sign_in_at, u.password_changed_at AS u__password_changed_at, u.terms_accepted_at AS u__terms_accepted_at, u.password_hash AS u__password_hash, u.totp_secret AS u__totp_secret, u.totp_last_step AS u__totp_last_step, u.totp_pending AS u__totp_pending, u.totp_pending_until AS u__totp_pending_until, u.pending_email AS u__pending_email").
		Join("JOIN users AS u ON u.id = s.user_id").Where("s.id = ?", secrets.Hash(token)).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNoSession
	}
	if err != nil {
		return nil, nil, err
	}
	sess, u := &row.Session, &row.User
	now := s.Now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle {
		_, _ = s.db.NewDelete().Model(sess).WherePK().Exec(ctx)
		return nil, nil, ErrNoSession
	}
	// A lock stops sign-ins from unknown browsers only: the owner's own
	// sessions go on (docs/security.md).
	if u.Status == StatusDeactivated {
		return nil, nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		sess.LastSeenAt = now.UTC()
		if _, err := s.db.NewUpdate().Model(sess).Column("last_seen_at").WherePK().Exec(ctx); err != nil {
			return nil, nil, err
		}
	}
	return sess, u, nil
}

// SessionAlive tells whether a session still opens its account: not ended,
// not idle or past its end, the account not deactivated. An open event
// stream asks it now and then, without counting as activity.
func (s *Service) SessionAlive(ctx context.Context, id string, userID int64) (bool, error) {
	sess := new(Session)
	err := s.db.NewSelect().Model(sess).Where("id = ? AND user_id = ?", id, userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := s.Now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle {
		return false, nil
	}
	return s.db.NewSelect().Model((*User)(nil)).Where("id = ? AND status <> ?", userID, StatusDeactivated).Exists(ctx)
}

// sessionsEnded tells the open event streams of a person that some of
// their sessions may have ended: each asks whether its own still lives
// (the SessionsEnded hook), so that a stream a revoked session
// opened ends at once rather than at its next ping. Recoveries defer it;
// a change that failed costs only the question.
func (s *Service) sessionsEnded(ctx context.Context, userID int64) {
	if s.hooks.SessionsEnded != nil {
		s.hooks.SessionsEnded(context.WithoutCancel(ctx), userID)
	}
}

// CompleteSession records that the second step is done, under a new token
// that it returns for the cookie: the token of the half-done sign-in (which
// the password alone could get) never becomes a full session's.
func (s *Service) CompleteSession(ctx context.Context, sess *Session) (string, error) {
	token := secrets.Token(32)
	done := *sess
	done.ID, done.SecondFactor, done.LastSeenAt = secrets.Hash(token), true, s.Now().UTC()
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		res, err := tx.NewDelete().Model((*Session)(nil)).Where("id = ?", sess.ID).Where("user_id = ?", sess.UserID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNoSession // ended meanwhile (signed out, or by an administrator)
		}
		_, err = tx.NewInsert().Model(&done).Exec(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	*sess = done
	return token, nil
}

// SwitchOrganisation records the organisation the session works in; the
// caller checks that the person may work there.
func (s *Service) SwitchOrganisation(ctx context.Context, sess *Session, orgID int64) error {
	sess.OrganisationID = orgID
	_, err := s.db.NewUpdate().Model(sess).Column("organisation_id").WherePK().Exec(ctx)
	return err
}

// Sessions lists a person's live sessions, newest first.
func (s *Service) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	var list []Session
	err := s.db.NewSelect().Model(&list).Where("user_id = ?", userID).Where("expires_at > ?", s.Now().UTC()).
		Where("last_seen_at > ?", s.Now().Add(-s.cfg.SessionIdle).UTC()).Order("last_seen_at DESC").Scan(ctx)
	return list, err
}

// EndSession ends one of the person's own sessions.
func (s *Service) EndSession(ctx context.Context, userID int64, id string) error {
	res, err := s.db.NewDelete().Model((*Session)(nil)).Where("id = ?", id).Where("user_id = ?", userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoSession
	}
	s.sessionsEnded(ctx, userID)
	return nil
}

// EndSessions ends all of a person's sessions but keep (which may be "").
// It runs in the transaction ctx carries.
func (s *Service) EndSessions(ctx context.Context, userID int64, keep string) (int64, error) {
	res, err := s.db.In(ctx).NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID).Where("id <> ?", keep).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// EndOtherSessions signs a person out everywhere but the session keep.
func (s *Service) EndOtherSessions(ctx context.Context, userID int64, keep string) (int64, error) {
	n, err := s.EndSessions(ctx, userID, keep)
	if err == nil {
		s.sessionsEnded(ctx, userID)
	}
	return n, err
}

// PurgeSessions deletes sessions that have ended, for a periodic clean-up.
func (s *Service) PurgeSessions(ctx context.Context) error {
	now := s.Now().UTC()
	_, err := s.db.NewDelete().Model((*Session)(nil)).
		WhereGroup(" AND ", func(q *bun.DeleteQuery) *bun.DeleteQuery {
			return q.Where("expires_at < ?", now).WhereOr("last_seen_at < ?", now.Add(-s.cfg.SessionIdle))
		}).Exec(ctx)
	return err
}
