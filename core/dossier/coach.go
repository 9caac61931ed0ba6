package dossier

import (
	"context"

	"github.com/uptrace/bun"
)

// isMember tells whether a person is an active member of an organisation:
// only they can coach its dossiers.
func isMember(ctx context.Context, db bun.IDB, orgID, userID int64) (bool, error) {
	return db.NewSelect().Table("members").Where("organisation_id = ? AND user_id = ? AND active = ?", orgID, userID, true).Exists(ctx)
}

// SetCoach makes a member of the dossier's organisation its responsible
// coach (0 for none); it needs Manage.
func (s *Service) SetCoach(ctx context.Context, who Who, dossierID, coachID int64, ip string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		d, err := openIn(ctx, tx, who, dossierID, Manage)
		if err != nil {
			return err
		}
		d.CoachID = nil
		if coachID != 0 {
			ok, err := isMember(ctx, tx, d.OrganisationID, coachID)
			if err != nil {
				return err
			}
			if !ok || (d.UserID != nil && *d.UserID == coachID) {
				return &Invalid{Fields: map[string]string{"coach": "form.choose"}}
			}
			d.CoachID = &coachID
			// The responsible coach is not also a co-coach.
			if _, err := tx.NewDelete().Table("dossier_coaches").Where("dossier_id = ? AND user_id = ?", d.ID, coachID).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewUpdate().Model(d).Column("coach_id").WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := record(ctx, tx, who, d, "dossier.coach_changed", ip, ""); err != nil {
			return err
		}
		return s.emit(ctx, who, d, "dossier.coach_changed", 0)
	})
}

// AddCoCoach lets another member of the dossier's organisation coach too;
// it needs Manage.
func (s *Service) AddCoCoach(ctx context.Context, who Who, dossierID, userID int64, ip string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		d, err := openIn(ctx, tx, who, dossierID, Manage)
		if err != nil {
			return err
		}
		ok, err := isMember(ctx, tx, d.OrganisationID, userID)
		if err != nil {
			return err
		}
		if !ok || (d.UserID != nil && *d.UserID == userID) || (d.CoachID != nil && *d.CoachID == userID) {
			return &Invalid{Fields: map[string]string{"co_coach": "form.choose"}}
		}
		row := map[string]any{"organisation_id": d.OrganisationID, "dossier_id": d.ID, "user_id": userID}
		if _, err := tx.NewInsert().Model(&row).TableExpr("dossier_coaches").On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, who, d, "dossier.co_coach_added", ip, "")
	})
}

// RemoveCoCoach ends a co-coach's place; it needs Manage.
func (s *Service) RemoveCoCoach(ctx context.Context, who Who, dossierID, userID int64, ip string) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		d, err := openIn(ctx, tx, who, dossierID, Manage)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Table("dossier_coaches").Where("dossier_id = ? AND user_id = ?", d.ID, userID).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, who, d, "dossier.co_coach_removed", ip, "")
	})
}

// Coach is a member who coaches at least one dossier of an organisation.
type Coach struct {
	UserID int64  `bun:"user_id"`
	Name   string `bun:"name"`
}

// Coaches lists the people who coach dossiers in an organisation, by name.
func (s *Service) Coaches(ctx context.Context, orgID int64) ([]Coach, error) {
	var list []Coach
	err := s.db.NewSelect().TableExpr("users AS u").
		ColumnExpr("u.id AS user_id, "+fullName("u")+" AS name").
		Where("u.id IN (SELECT coach_id FROM dossiers WHERE organisation_id = ? AND coach_id IS NOT NULL)", orgID).
		WhereOr("u.id IN (SELECT user_id FROM dossier_coaches WHERE organisation_id = ?)", orgID).
		OrderExpr("u.family_name, u.given_name").Scan(ctx, &list)
	return list, err
}

// Candidates lists the active members of an organisation who may coach:
// those holding a role that registers dossiers (coaches, administrators).
func (s *Service) Candidates(ctx context.Context, orgID int64) ([]Coach, error) {
	var list []Coach
	err := s.db.NewSelect().TableExpr("users AS u").
		ColumnExpr("u.id AS user_id, "+fullName("u")+" AS name").
		Where("u.id IN (SELECT m.user_id FROM members AS m JOIN member_roles AS r ON r.organisation_id = m.organisation_id AND r.user_id = m.user_id WHERE m.organisation_id = ? AND m.active = ? AND r.role IN ('coach', 'admin'))", orgID, true).
		OrderExpr("u.family_name, u.given_name").Scan(ctx, &list)
	return list, err
}
