package dossier

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
)

// Team is a group of coachees a coach guides together. A member is hidden
// from the other members until they choose to be seen.
type Team struct {
	bun.BaseModel `bun:"table:teams"`

	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	Name           string    `bun:"name,notnull"`
	CoachID        int64     `bun:"coach_id,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// TeamMember is one dossier's person in a team.
type TeamMember struct {
	bun.BaseModel `bun:"table:team_members,alias:tm"`

	OrganisationID int64     `bun:"organisation_id,notnull"`
	TeamID         int64     `bun:"team_id,pk"`
	DossierID      int64     `bun:"dossier_id,pk"`
	UserID         int64     `bun:"user_id,notnull"`
	Visible        bool      `bun:"visible,notnull"`
	AddedAt        time.Time `bun:"added_at,notnull"`
	Name           string    `bun:"name,scanonly"`
}

// TeamView is a team as one person sees it: the members they may see.
type TeamView struct {
	Team
	Members []TeamMember
	Coach   bool // the viewer coaches the team: they see everyone
	Visible bool // the viewer's own visibility, as a member
}

// CreateTeam starts a team coached by who; it needs teams.manage.
func (s *Service) CreateTeam(ctx context.Context, who Who, name, ip string) (*Team, error) {
	if !who.Can.Has(access.TeamsManage) || who.OrgID == 0 {
		return nil, ErrForbidden
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 80 {
		return nil, &Invalid{Fields: map[string]string{"name": "dossier.error.team_name"}}
	}
	t := &Team{OrganisationID: who.OrgID, Name: name, CoachID: who.UserID, CreatedAt: s.Now().UTC()}
	_, err := s.db.NewInsert().Model(t).Exec(ctx)
	return t, err
}

// team reads a team of who's organisation.
func team(ctx context.Context, db bun.IDB, who Who, id int64) (*Team, error) {
	t := new(Team)
	err := db.NewSelect().Model(t).Where("id = ? AND organisation_id = ?", id, who.OrgID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return t, err
}

// coaches tells whether who may change a team: its coach, or someone who
// manages every dossier.
func (t *Team) coachedBy(who Who) bool {
	return t.CoachID == who.UserID || who.Can.Has(access.DossiersManage)
}

// AddToTeam adds a dossier's person to a team; who coaches the team and may
// edit the dossier, whose person must have an account. Notify tells them.
func (s *Service) AddToTeam(ctx context.Context, who Who, teamID, dossierID int64, ip string) error {
	var added *Dossier
	var tm *Team
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		var err error
		if tm, err = team(ctx, tx, who, teamID); err != nil {
			return err
		}
		if !tm.coachedBy(who) {
			return ErrForbidden
		}
		d, err := openIn(ctx, tx, who, dossierID, Edit)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) || (err == nil && (d.UserID == nil || d.OrganisationID != tm.OrganisationID)) {
			return &Invalid{Fields: map[string]string{"dossier": "dossier.error.team_member"}}
		}
		if err != nil {
			return err
		}
		m := &TeamMember{OrganisationID: tm.OrganisationID, TeamID: tm.ID, DossierID: d.ID, UserID: *d.UserID, AddedAt: s.Now().UTC()}
		res, err := tx.NewInsert().Model(m).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			added = d
		}
		return record(ctx, tx, who, d, "dossier.team_joined", ip, tm.Name)
	})
	if err != nil || added == nil || s.notify == nil {
		return err
	}
	return s.notify.Notify(ctx, tm.OrganisationID, *added.UserID, Module, "dossier.notice.team_added", "/teams")
}

// RemoveFromTeam takes a dossier's person out of a team.
func (s *Service) RemoveFromTeam(ctx context.Context, who Who, teamID, dossierID int64) error {
	tm, err := team(ctx, s.db, who, teamID)
	if err != nil {
		return err
	}
	if !tm.coachedBy(who) {
		return ErrForbidden
	}
	_, err = s.db.NewDelete().Model((*TeamMember)(nil)).Where("team_id = ? AND dossier_id = ?", tm.ID, dossierID).Exec(ctx)
	return err
}

// SetVisible lets a member choose whether the other members see them.
func (s *Service) SetVisible(ctx context.Context, who Who, teamID int64, visible bool) error {
	res, err := s.db.NewUpdate().Model((*TeamMember)(nil)).Set("visible = ?", visible).
		Where("team_id = ? AND user_id = ? AND organisation_id = ?", teamID, who.UserID, who.OrgID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Teams lists the teams who coaches or belongs to in their organisation,
// each with the members who may see: a coach sees every member, a member
// sees themselves and the members who chose to be seen.
func (s *Service) Teams(ctx context.Context, who Who) ([]TeamView, error) {
	if who.OrgID == 0 {
		return nil, nil
	}
	var teams []Team
	q := s.db.NewSelect().Model(&teams).Where("organisation_id = ?", who.OrgID)
	if !who.Can.Has(access.DossiersManage) {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("coach_id = ?", who.UserID).WhereOr("id IN (SELECT team_id FROM team_members WHERE user_id = ?)", who.UserID)
		})
	}
	if err := q.Order("name", "id").Scan(ctx); err != nil || len(teams) == 0 {
		return nil, err
	}
	ids := make([]int64, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	var members []TeamMember
	err := s.db.NewSelect().Model(&members).
		ColumnExpr("tm.*, "+fullName("d")+" AS name").
		Join("JOIN dossiers AS d ON d.id = tm.dossier_id").
		Where("tm.team_id IN (?)", bun.List(ids)).OrderExpr("d.family_key, d.given_key").Scan(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TeamView, len(teams))
	for i, t := range teams {
		v := TeamView{Team: t, Coach: t.coachedBy(who)}
		for _, m := range members {
			if m.TeamID != t.ID {
				continue
			}
			if m.UserID == who.UserID {
				v.Visible = m.Visible
			}
			if v.Coach || m.Visible || m.UserID == who.UserID {
				v.Members = append(v.Members, m)
			}
		}
		out[i] = v
	}
	return out, nil
}

// TeamMembers lists the accounts of a team's members, for addressing the
// team as a whole (a notice, later a team assignment or forum); who must
// coach the team.
func (s *Service) TeamMembers(ctx context.Context, who Who, teamID int64) ([]int64, error) {
	tm, err := team(ctx, s.db, who, teamID)
	if err != nil {
		return nil, err
	}
	if !tm.coachedBy(who) {
		return nil, ErrForbidden
	}
	var ids []int64
	err = s.db.NewSelect().Model((*TeamMember)(nil)).Column("user_id").Where("team_id = ?", tm.ID).Scan(ctx, &ids)
	return ids, err
}
