package dossiers

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const tmplDot = "dossiers/dot_answer"

// Dot is one item's read state on a card: red while new, green once read.
type Dot struct {
	DossierID int64
	Kind, Ref string
	Read      bool
}

// ReadPost marks an item of the dossier read, or new again, for the viewer.
// htmx swaps the dot in place; without it the dossier page comes back.
func (h *Handlers) ReadPost(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.View)
	if err != nil {
		return err
	}
	dot := Dot{DossierID: d.ID, Kind: c.FormValue("kind"), Ref: c.FormValue("ref"), Read: c.FormValue("read") == "1"}
	found, err := h.reads.Mark(c.Context(), who(c).UserID, d.ID, dot.Kind, dot.Ref, dot.Read)
	if err != nil {
		return err
	}
	if !found {
		return fiber.ErrNotFound
	}
	if web.ReadHTMX(c).WantsPartial() {
		return h.web.Render(c, web.Page{Template: tmplDot, Title: "dossier.list_title", Data: dot})
	}
	return h.web.Redirect(c, link(d.ID, ""))
}
