package tenancy

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/audit"
)

// Term is an organisation's own word for a term in one language.
type Term struct {
	bun.BaseModel `bun:"table:organisation_terms"`

	OrganisationID int64  `bun:"organisation_id,pk"`
	Locale         string `bun:"locale,pk"`
	Key            string `bun:"term,pk"` // "coachee"
	One            string `bun:"one,notnull"`
	Other          string `bun:"other,notnull"`
}

// Words are a term's singular and plural.
type Words struct{ One, Other string }

// Terms returns the words an organisation uses in a language: its own, and
// otherwise its nearest ancestor's. Terms nobody set are absent (the shipped
// defaults apply).
func (s *Service) Terms(ctx context.Context, orgID int64, locale string) (map[string]Words, error) {
	lineage, err := s.Lineage(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return s.TermsIn(ctx, lineage, locale)
}

// TermsIn is Terms for a lineage the caller has already read.
func (s *Service) TermsIn(ctx context.Context, lineage []Organisation, locale string) (map[string]Words, error) {
	ids := make([]int64, len(lineage))
	depth := map[int64]int{}
	for i, o := range lineage {
		ids[i], depth[o.ID] = o.ID, i
	}
	var rows []Term
	if err := s.db.NewSelect().Model(&rows).Where("organisation_id IN (?)", bun.List(ids)).Where("locale = ?", locale).Scan(ctx); err != nil {
		return nil, err
	}
	out := map[string]Words{}
	nearest := map[string]int{}
	for _, r := range rows {
		if d, seen := nearest[r.Key]; !seen || depth[r.OrganisationID] < d {
			nearest[r.Key] = depth[r.OrganisationID]
			out[r.Key] = Words{One: r.One, Other: r.Other}
		}
	}
	return out, nil
}

// OwnTerms returns only the words the organisation set itself.
func (s *Service) OwnTerms(ctx context.Context, orgID int64, locale string) (map[string]Words, error) {
	var rows []Term
	if err := s.db.NewSelect().Model(&rows).Where("organisation_id = ?", orgID).Where("locale = ?", locale).Scan(ctx); err != nil {
		return nil, err
	}
	out := map[string]Words{}
	for _, r := range rows {
		out[r.Key] = Words{One: r.One, Other: r.Other}
	}
	return out, nil
}

// SetTerms saves an organisation's words in one language, all or nothing. A
// term left empty goes back to the parent's word (or the default). Words are
// plain text: at most 40 characters, no markup.
func (s *Service) SetTerms(ctx context.Context, orgID int64, locale string, words map[string]Words, known []string) error {
	inv := &Invalid{}
	for key, w := range words {
		w.One, w.Other = strings.TrimSpace(w.One), strings.TrimSpace(w.Other)
		words[key] = w
		if (w.One == "") != (w.Other == "") {
			inv.Add(key, "tenancy.error.term_both")
		}
		if len([]rune(w.One)) > 40 || len([]rune(w.Other)) > 40 || strings.ContainsAny(w.One+w.Other, "<>{}") {
			inv.Add(key, "tenancy.error.term_text")
		}
		found := false
		for _, k := range known {
			found = found || k == key
		}
		if !found {
			inv.Add(key, "form.choose")
		}
	}
	if err := inv.OrNil(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		if _, err := tx.NewDelete().Model((*Term)(nil)).Where("organisation_id = ?", orgID).Where("locale = ?", locale).Exec(ctx); err != nil {
			return err
		}
		for key, w := range words {
			if w.One == "" {
				continue
			}
			if _, err := tx.NewInsert().Model(&Term{OrganisationID: orgID, Locale: locale, Key: key, One: w.One, Other: w.Other}).Exec(ctx); err != nil {
				return err
			}
		}
		return audit.Note(ctx, tx, orgID, "organisation.words_changed", 0, locale)
	})
}
