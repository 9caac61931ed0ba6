package dossiers

import (
	"sort"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const tmplMine = "dossiers/mine"

// home sends a coachee to their own dossier: it is their start page. People
// who work with dossiers of others keep the dashboard; someone who belongs to
// no organisation but has dossiers shared with them starts at the list.
func (h *Handlers) home(c fiber.Ctx, v *web.Viewer) (string, error) {
	if v.Org == nil {
		// Someone of no organisation, invited to a dossier shared with them.
		shared, err := h.svc.SharedWith(c.Context(), who(c), "", 1)
		if err != nil || len(shared) == 0 {
			return "", err
		}
		return "/dossiers", nil
	}
	if !v.HasModule(dossier.Module) || v.Can.Has(access.DossiersRegister) || v.Can.Has(access.DossiersViewAll) || v.Can.Has(access.DossiersManage) {
		return "", nil
	}
	id, err := h.svc.Own(c.Context(), v.Org.ID, v.User.ID)
	if err != nil || id == 0 {
		return "", err
	}
	return link(id, ""), nil
}

// MineRow is one of a coach's dossiers with how much is new in it.
type MineRow struct {
	dossier.Row
	New int
}

// mine is the coach's start-page section: the dossiers they coach, those
// with something new first, and the quick search.
func (h *Handlers) mine(c fiber.Ctx) (any, error) {
	v := web.CurrentViewer(c)
	if !v.Can.Has(access.DossiersView) {
		return nil, nil
	}
	page, err := h.svc.List(c.Context(), who(c), dossier.Query{CoachID: v.User.ID, PerPage: 200})
	if err != nil {
		return nil, err
	}
	searches := v.Can.Has(access.DossiersRegister) || v.Can.Has(access.DossiersViewAll) || v.Can.Has(access.DossiersManage)
	if page.Total == 0 && !searches {
		return nil, nil
	}
	ids := make([]int64, len(page.Rows))
	for i, r := range page.Rows {
		ids[i] = r.ID
	}
	counts, err := h.reads.NewPerDossier(c.Context(), v.User.ID, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]MineRow, len(page.Rows))
	for i, r := range page.Rows {
		rows[i] = MineRow{Row: r, New: counts[r.ID]}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].New > rows[j].New })
	return map[string]any{"Rows": rows, "Total": page.Total}, nil
}
