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

// The lists below are built so that the databases answer them from the
// indexes alone, even with 100,000 dossiers in one organisation: every
// condition is either a column of the (organisation, folded name, status)
// indexes or an IN over a small set of ids that one index answers (the
// person's dossiers as coach, co-coach or subject; a team). A name is two
// range scans, one per folded name. Rows are read only for the page shown.

// coachedBy is the SQL for the ids of the dossiers a person coaches or co-coaches.
const coachedBy = "SELECT id FROM dossiers WHERE coach_id = ? UNION SELECT dossier_id FROM dossier_coaches WHERE user_id = ?"

// narrow adds to a select over "dossiers AS d" in who's organisation every
// condition of the query but the name: who may open it, coach, status, team.
func (f Query) narrow(q *bun.SelectQuery, who Who) *bun.SelectQuery {
	q = q.Where("d.organisation_id = ?", who.OrgID)
	if !who.Can.Has(access.DossiersViewAll) && !who.Can.Has(access.DossiersManage) {
		q = q.Where("d.id IN ("+coachedBy+" UNION SELECT id FROM dossiers WHERE user_id = ?)", who.UserID, who.UserID, who.UserID)
	}
	if f.CoachID != 0 {
		q = q.Where("d.id IN ("+coachedBy+")", f.CoachID, f.CoachID)
	}
	if f.Status != "" {
		q = q.Where("d.status = ?", f.Status)
	}
	if f.TeamID != 0 {
		q = q.Where("d.id IN (SELECT dossier_id FROM team_members WHERE team_id = ?)", f.TeamID)
	}
	return q
}

// found is the ids the query finds: with a name, the union of the first-name
// and last-name ranges, each narrowed; without one, the narrowed organisation.
func (s *Service) found(who Who, f Query) *bun.SelectQuery {
	sel := func() *bun.SelectQuery {
		return f.narrow(s.db.NewSelect().TableExpr("dossiers AS d").Column("d.id"), who)
	}
	key := searchKey(f.Text)
	if key == "" {
		return sel()
	}
	from, to := prefixRange(key)
	return sel().Where("d.given_key >= ? AND d.given_key < ?", from, to).
		Union(sel().Where("d.family_key >= ? AND d.family_key < ?", from, to))
}

// rows reads the dossiers with the given ids, in list order.
func (s *Service) rows(ctx context.Context, ids *bun.SelectQuery) ([]Row, error) {
	var rows []Row
	err := s.db.NewSelect().TableExpr("dossiers AS d").ColumnExpr("d.*").
		ColumnExpr("COALESCE("+fullName("u")+", '') AS coach_name").
		Join("LEFT JOIN users AS u ON u.id = d.coach_id").
		Where("d.id IN (?)", ids).
		OrderExpr("d.family_key, d.given_key, d.id").Scan(ctx, &rows)
	return rows, err
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
	var n int
	if err := s.db.NewSelect().TableExpr("(?) AS found", s.found(who, f)).ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
		return Page{}, err
	}
	p := Page{Total: n, Pages: max(1, (n+f.PerPage-1)/f.PerPage), Page: max(1, f.Page)}
	p.Page = min(p.Page, p.Pages)
	// The page's ids in order: without a name, a walk of the name index;
	// with one, the found ids sorted.
	page := f.narrow(s.db.NewSelect().TableExpr("dossiers AS d").Column("d.id"), who)
	if searchKey(f.Text) != "" {
		page = s.db.NewSelect().TableExpr("dossiers AS d").Column("d.id").Where("d.id IN (?)", s.found(who, f))
	}
	page = page.OrderExpr("d.family_key, d.given_key, d.id").Limit(int64(f.PerPage)).Offset(int64((p.Page - 1) * f.PerPage))
	var err error
	p.Rows, err = s.rows(ctx, page)
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
		// The first few of each name range in index order, then sorted:
		// no count, no sort of every match.
		from, to := prefixRange(searchKey(text))
		first := func(column string) *bun.SelectQuery {
			return Query{}.narrow(s.db.NewSelect().TableExpr("dossiers AS d").Column("d.id"), who).
				Where("d."+column+" >= ? AND d."+column+" < ?", from, to).OrderExpr("d." + column).Limit(int64(limit))
		}
		found, err := s.rows(ctx, s.db.NewSelect().TableExpr("(?) AS g", first("given_key")).Column("id").
			UnionAll(s.db.NewSelect().TableExpr("(?) AS f", first("family_key")).Column("id")))
		if err != nil {
			return nil, err
		}
		rows = found[:min(limit, len(found))]
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
