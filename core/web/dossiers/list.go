package dossiers

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplList    = "dossiers/list"
	tmplResults = "dossiers/results"
	tmplSearch  = "dossiers/search"
	tmplRows    = "dossiers/rows"
	quickLimit  = 8
)

type listData struct {
	Page        dossier.Page
	Shared      []dossier.Row
	Query       map[string]string
	Statuses    []string
	Coaches     []option
	Teams       []option
	CanRegister bool
	Own         bool // the viewer's organisation has dossiers for them
}

type option struct {
	ID   int64
	Name string
}

// List shows the dossiers of the viewer's organisation they may open,
// filtered, and below them the ones shared with them from anywhere. An htmx
// request from the filters gets the table alone.
func (h *Handlers) List(c fiber.Ctx) error {
	w := who(c)
	q := dossier.Query{Text: c.Query("q"), Status: c.Query("status")}
	q.CoachID, _ = strconv.ParseInt(c.Query("coach"), 10, 64)
	q.TeamID, _ = strconv.ParseInt(c.Query("team"), 10, 64)
	q.Page, _ = strconv.Atoi(c.Query("page"))
	if !slices.Contains(dossier.Statuses, q.Status) {
		q.Status = ""
	}
	d := listData{Statuses: dossier.Statuses, Query: map[string]string{"q": q.Text, "status": q.Status, "coach": c.Query("coach"), "team": c.Query("team")},
		Own: w.OrgID != 0 && w.Can.Has(access.DossiersView), CanRegister: w.OrgID != 0 && w.Can.Has(access.DossiersRegister)}
	var err error
	if d.Own {
		if d.Page, err = h.svc.List(c.Context(), w, q); err != nil {
			return err
		}
		if d.Coaches, err = h.coaches(c, w.OrgID); err != nil {
			return err
		}
		teams, err := h.svc.Teams(c.Context(), w)
		if err != nil {
			return err
		}
		for _, t := range teams {
			d.Teams = append(d.Teams, option{ID: t.ID, Name: t.Name})
		}
	}
	if d.Shared, err = h.svc.SharedWith(c.Context(), w, q.Text, 200); err != nil {
		return err
	}
	if hx := web.ReadHTMX(c); hx.WantsPartial() && hx.Target == "dossier-table" {
		return h.web.Render(c, web.Page{Template: tmplRows, Title: "dossier.list_title", Data: d})
	}
	return h.web.Render(c, web.Page{Template: tmplList, Title: "dossier.list_title", Data: d})
}

// coaches are the people who coach a dossier in the organisation, for the filter.
func (h *Handlers) coaches(c fiber.Ctx, orgID int64) ([]option, error) {
	list, err := h.svc.Coaches(c.Context(), orgID)
	if err != nil {
		return nil, err
	}
	out := make([]option, len(list))
	for i, p := range list {
		out[i] = option{ID: p.UserID, Name: p.Name}
	}
	return out, nil
}

// Search is the quick search: from three letters of a first or last name,
// the first matching dossiers the viewer may open, as a list of links.
func (h *Handlers) Search(c fiber.Ctx) error {
	data, err := h.search(c)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplResults, Title: "dossier.list_title", Data: data})
}

// SearchPage is the search of the whole portal, from the box at the top
// of every page: dossiers and what the modules find, each within what the
// person may open.
func (h *Handlers) SearchPage(c fiber.Ctx) error {
	data, err := h.search(c)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplSearch, Title: "search.title", Data: data})
}

// search finds the dossiers and asks the modules for their matches, from
// three letters on.
func (h *Handlers) search(c fiber.Ctx) (map[string]any, error) {
	text := strings.TrimSpace(c.Query("q"))
	rows, err := h.svc.Search(c.Context(), who(c), text, quickLimit)
	if err != nil {
		return nil, err
	}
	letters := len([]rune(text))
	data := map[string]any{"Rows": rows, "Short": letters > 0 && letters < 3, "Text": text, "Limit": quickLimit}
	if letters >= 3 {
		data["Modules"] = h.web.FillSlot(c, web.SlotSearch, map[string]string{"q": text})
	}
	return data, nil
}
