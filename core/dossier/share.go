package dossier

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/store"
)

// Share gives one person, of any organisation, a level in one dossier. The
// person's own organisation gains nothing by it: only they see the dossier,
// in their "Shared with me" group.
type Share struct {
	bun.BaseModel `bun:"table:dossier_shares"`

	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"` // the dossier's
	DossierID      int64     `bun:"dossier_id,notnull"`
	UserID         int64     `bun:"user_id,notnull"`
	Level          string    `bun:"level,notnull"`
	GrantedBy      int64     `bun:"granted_by,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
	UpdatedAt      time.Time `bun:"updated_at,notnull"`
}

// shareLevel is the level a share gives a person in a dossier (None without one).
func shareLevel(ctx context.Context, db bun.IDB, dossierID, userID int64) (Level, error) {
	var level string
	err := db.NewSelect().Model((*Share)(nil)).Column("level").Where("dossier_id = ? AND user_id = ?", dossierID, userID).Scan(ctx, &level)
	if errors.Is(err, sql.ErrNoRows) {
		return None, nil
	}
	return ParseLevel(level), err
}

// ShareWith gives the person with the address a level in the dossier, or
// changes the level they have. It needs Manage; nobody grants beyond their
// own level. An address without an account gets one, and an invitation.
func (s *Service) ShareWith(ctx context.Context, who Who, dossierID int64, email string, level Level, ip string) (*Share, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	inv := &Invalid{}
	if email == "" {
		inv.Add("email", "form.required")
	}
	if level == None {
		inv.Add("level", "form.choose")
	}
	if err := inv.OrNil(); err != nil {
		return nil, err
	}
	var sh *Share
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		d, err := openIn(ctx, tx, who, dossierID, Manage)
		if err != nil {
			return err
		}
		var userID int64
		// Held: an address being confirmed for an account meanwhile is
		// seen as it ends up.
		err = store.Held(tx, tx.NewSelect().Table("users").Column("id").Where("email = ?", email)).Scan(ctx, &userID)
		switch {
		case errors.Is(err, sql.ErrNoRows) && s.notify != nil:
			// No account yet: one is made and the person is invited.
			if userID, err = s.notify.InviteGuest(ctx, who.UserID, d, email, ip); err != nil {
				return err
			}
		case errors.Is(err, sql.ErrNoRows):
			return &Invalid{Fields: map[string]string{"email": "dossier.error.no_account"}}
		case err != nil:
			return err
		}
		if userID == who.UserID || (d.UserID != nil && *d.UserID == userID) {
			return &Invalid{Fields: map[string]string{"email": "dossier.error.share_self"}}
		}
		now := s.Now().UTC()
		sh = &Share{OrganisationID: d.OrganisationID, DossierID: d.ID, UserID: userID, Level: level.String(), GrantedBy: who.UserID, CreatedAt: now, UpdatedAt: now}
		_, err = tx.NewInsert().Model(sh).
			On("CONFLICT (dossier_id, user_id) DO UPDATE").Set("level = EXCLUDED.level, granted_by = EXCLUDED.granted_by, updated_at = EXCLUDED.updated_at").
			Exec(ctx)
		if err != nil {
			return err
		}
		return record(ctx, tx, who, d, "dossier.shared", ip, email+" "+level.String())
	})
	return sh, err
}

// Revoke ends a share; it needs Manage.
func (s *Service) Revoke(ctx context.Context, who Who, dossierID, shareID int64, ip string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		d, err := openIn(ctx, tx, who, dossierID, Manage)
		if err != nil {
			return err
		}
		var email string
		err = tx.NewSelect().Table("users").Column("email").
			Where("id = (SELECT user_id FROM dossier_shares WHERE id = ? AND dossier_id = ?)", shareID, d.ID).Scan(ctx, &email)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*Share)(nil)).Where("id = ? AND dossier_id = ?", shareID, d.ID).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, who, d, "dossier.share_revoked", ip, email)
	})
}

// Member is someone who may open a dossier, as its page lists them. For a
// person outside the dossier's organisation (Outside: someone it was shared
// with) only the address the sharer typed is given: their name, photo and
// organisations are their own, and showing them would let anyone who
// shares a dossier look up whoever has an account by address.
type Member struct {
	UserID   int64  `bun:"user_id"`
	Name     string `bun:"name"` // "" when Outside
	Email    string `bun:"email"`
	HasPhoto bool   `bun:"has_photo"` // never when Outside
	Outside  bool   `bun:"-"`
	Place    string `bun:"place"` // subject, coach, co_coach, share
	Level    string `bun:"level"`
	ShareID  int64  `bun:"share_id"`
}

// Members lists the dossier's subject, coaches and the people it is shared with.
func (s *Service) Members(ctx context.Context, d *Dossier) ([]Member, error) {
	var out []Member
	person := func(place, level, where string, args ...any) error {
		var list []Member
		err := s.db.NewSelect().TableExpr("users AS u").
			ColumnExpr("u.id AS user_id, "+fullName("u")+" AS name, u.email").
			ColumnExpr("CASE WHEN u.photo_type <> '' THEN 1 ELSE 0 END AS has_photo").
			ColumnExpr("? AS place, ? AS level", place, level).
			Where(where, args...).OrderExpr("u.family_name, u.given_name").Scan(ctx, &list)
		out = append(out, list...)
		return err
	}
	if d.UserID != nil {
		if err := person("subject", Contribute.String(), "u.id = ?", *d.UserID); err != nil {
			return nil, err
		}
	}
	if d.CoachID != nil {
		if err := person("coach", Manage.String(), "u.id = ?", *d.CoachID); err != nil {
			return nil, err
		}
	}
	if err := person("co_coach", Edit.String(), "u.id IN (SELECT user_id FROM dossier_coaches WHERE dossier_id = ?)", d.ID); err != nil {
		return nil, err
	}
	var shared []Member
	err := s.db.NewSelect().TableExpr("dossier_shares AS sh").Join("JOIN users AS u ON u.id = sh.user_id").
		ColumnExpr("u.id AS user_id, "+fullName("u")+" AS name, u.email").
		ColumnExpr("CASE WHEN u.photo_type <> '' THEN 1 ELSE 0 END AS has_photo").
		ColumnExpr("'share' AS place, sh.level, sh.id AS share_id").
		Where("sh.dossier_id = ?", d.ID).OrderExpr("u.email").Scan(ctx, &shared) // by address: an order by name would tell of names not shown
	if err != nil {
		return nil, err
	}
	out = append(out, shared...)
	ids := make([]int64, len(out))
	for i, m := range out {
		ids[i] = m.UserID
	}
	var inside []int64
	if len(ids) > 0 {
		if err := s.db.NewSelect().Table("members").Column("user_id").
			Where("organisation_id = ? AND user_id IN (?)", d.OrganisationID, bun.List(ids)).Scan(ctx, &inside); err != nil {
			return nil, err
		}
	}
	for i := range out {
		if !slices.Contains(inside, out[i].UserID) {
			out[i].Outside, out[i].Name, out[i].HasPhoto = true, "", false
		}
	}
	return out, nil
}

// SharedWith lists the dossiers shared with who, whatever organisation they
// are in, optionally only those whose first or last name starts with text.
func (s *Service) SharedWith(ctx context.Context, who Who, text string, limit int) ([]Row, error) {
	q := s.db.NewSelect().TableExpr("dossiers AS d").
		ColumnExpr("d.*").
		ColumnExpr("COALESCE("+fullName("u")+", '') AS coach_name").
		ColumnExpr("o.name AS organisation_name").
		Join("JOIN dossier_shares AS sh ON sh.dossier_id = d.id AND sh.user_id = ?", who.UserID).
		Join("JOIN organisations AS o ON o.id = d.organisation_id").
		Join("LEFT JOIN users AS u ON u.id = d.coach_id").
		OrderExpr("d.family_key, d.given_key, d.id").Limit(int64(limit))
	if key := searchKey(text); key != "" {
		from, to := prefixRange(key)
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("d.given_key >= ? AND d.given_key < ?", from, to).WhereOr("d.family_key >= ? AND d.family_key < ?", from, to)
		})
	}
	var rows []Row
	err := q.Scan(ctx, &rows)
	return rows, err
}
