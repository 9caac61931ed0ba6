package dossier

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
)

// Query filters a list of dossiers.
type Query struct {
	Text    string // the start of a first or last name
	CoachID int64
	Status  string
	TeamID  int64
	Page    int // from 1
	PerPage int
}

// Row is one dossier in a list, with the name of its coach.
type Row struct {
	Dossier
	CoachName    string `bun:"coach_name"`
	Organisation string `bun:"organisation_name"`
}

// Page is one page of a list.
type Page struct {
	Rows        []Row
	Total       int
	Page, Pages int
}

// visibleWithin limits q to the dossiers of who's organisation that who may
// open there: all of them with the right permission, otherwise those they
// coach, co-coach or are the subject of. Shares are listed apart.
func visibleWithin(q *bun.SelectQuery, who Who) *bun.SelectQuery {
	q = q.Where("d.organisation_id = ?", who.OrgID)
	if who.Can.Has(access.DossiersViewAll) || who.Can.Has(access.DossiersManage) {
		return q
	}
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("d.coach_id = ?", who.UserID).
			WhereOr("d.user_id = ?", who.UserID).
			WhereOr("EXISTS (SELECT 1 FROM dossier_coaches dc WHERE dc.dossier_id = d.id AND dc.user_id = ?)", who.UserID)
	})
}

// filter applies the query's text, coach, status and team.
func (f Query) filter(q *bun.SelectQuery) *bun.SelectQuery {
	if key := searchKey(f.Text); key != "" {
		from, to := prefixRange(key)
		// Two range scans on the (organisation, key) indexes, not a LIKE.
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("d.given_key >= ? AND d.given_key < ?", from, to).WhereOr("d.family_key >= ? AND d.family_key < ?", from, to)
		})
	}
	if f.CoachID != 0 {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("d.coach_id = ?", f.CoachID).
				WhereOr("EXISTS (SELECT 1 FROM dossier_coaches dc2 WHERE dc2.dossier_id = d.id AND dc2.user_id = ?)", f.CoachID)
		})
	}
	if f.Status != "" {
		q = q.Where("d.status = ?", f.Status)
	}
	if f.TeamID != 0 {
		q = q.Where("EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ? AND tm.dossier_id = d.id)", f.TeamID)
	}
	return q
}

// List is a page of the dossiers who may open in their organisation,
// sorted by last name, then first name.
func (s *Service) List(ctx context.Context, who Who, f Query) (Page, error) {
	if who.OrgID == 0 {
		return Page{Page: 1, Pages: 1}, nil
	}
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	base := func() *bun.SelectQuery {
		return f.filter(visibleWithin(s.db.NewSelect().TableExpr("dossiers AS d"), who))
	}
	count, err := base().Count(ctx)
	if err != nil {
		return Page{}, err
	}
	total := int(count)
	p := Page{Total: total, Pages: max(1, (total+f.PerPage-1)/f.PerPage), Page: max(1, f.Page)}
	p.Page = min(p.Page, p.Pages)
	err = base().ColumnExpr("d.*").
		ColumnExpr("COALESCE("+fullName("u")+", '') AS coach_name").
		Join("LEFT JOIN users AS u ON u.id = d.coach_id").
		OrderExpr("d.family_key, d.given_key, d.id").
		Limit(int64(f.PerPage)).Offset(int64((p.Page-1)*f.PerPage)).Scan(ctx, &p.Rows)
	return p, err
}

// Search is the quick search: up to limit dossiers whose first or last name
// starts with text, among those who may open, own organisation first, then
// the ones shared with them. Fewer than three letters find nothing.
func (s *Service) Search(ctx context.Context, who Who, text string, limit int) ([]Row, error) {
	if len([]rune(searchKey(text))) < 3 {
		return nil, nil
	}
	var rows []Row
	if who.OrgID != 0 {
		p, err := s.List(ctx, who, Query{Text: text, PerPage: limit})
		if err != nil {
			return nil, err
		}
		rows = p.Rows
	}
	if len(rows) < limit {
		shared, err := s.SharedWith(ctx, who, text, limit-len(rows))
		if err != nil {
			return nil, err
		}
		rows = append(rows, shared...)
	}
	return rows, nil
}

// Own is the id of the person's own dossier in an organisation, 0 for none.
func (s *Service) Own(ctx context.Context, orgID, userID int64) (int64, error) {
	var ids []int64
	err := s.db.NewSelect().Model((*Dossier)(nil)).Column("id").Where("organisation_id = ? AND user_id = ?", orgID, userID).Order("id").Limit(1).Scan(ctx, &ids)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
