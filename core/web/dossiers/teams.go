package dossiers

import (
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/web"
)

const tmplTeams = "dossiers/teams"

type teamsData struct {
	Teams     []dossier.TeamView
	Dossiers  []dossier.Row // the coach's dossiers to add
	CanCreate bool
	Form      web.Form
}

// Teams shows the teams the person coaches or belongs to. A coach sees every
// member and adds their coachees; a member sees who chose to be seen and
// switches their own visibility with one click.
func (h *Handlers) Teams(c fiber.Ctx) error { return h.renderTeams(c, fiber.StatusOK, web.ReadForm(c)) }

func (h *Handlers) renderTeams(c fiber.Ctx, status int, f web.Form) error {
	w := who(c)
	teams, err := h.svc.Teams(c.Context(), w)
	if err != nil {
		return err
	}
	d := teamsData{Teams: teams, CanCreate: w.Can.Has(access.TeamsManage), Form: f}
	if d.CanCreate {
		page, err := h.svc.List(c.Context(), w, dossier.Query{CoachID: w.UserID, PerPage: 200})
		if err != nil {
			return err
		}
		for _, r := range page.Rows {
			if r.UserID != nil {
				d.Dossiers = append(d.Dossiers, r)
			}
		}
	}
	return h.web.Render(c, web.Page{Template: tmplTeams, Title: "dossier.teams.title", Status: status, Data: d})
}

// TeamPost creates a team.
func (h *Handlers) TeamPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "name")
	_, err := h.svc.CreateTeam(c.Context(), who(c), f.Values["name"], c.IP())
	if f.Refuse(err) {
		return h.renderTeams(c, web.Unprocessable, f)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.teams.created")
	return h.web.Redirect(c, "/teams")
}

func teamID(c fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// MemberPost adds a coachee's dossier to a team.
func (h *Handlers) MemberPost(c fiber.Ctx) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	f := web.ReadForm(c, "dossier")
	dossierID, _ := strconv.ParseInt(f.Values["dossier"], 10, 64)
	err = h.svc.AddToTeam(c.Context(), who(c), id, dossierID, c.IP())
	if f.Refuse(err) {
		return h.renderTeams(c, web.Unprocessable, f)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "dossier.teams.added")
	return h.web.Redirect(c, "/teams")
}

// VisibilityPost switches whether the other members see the viewer.
func (h *Handlers) VisibilityPost(c fiber.Ctx) error {
	id, err := teamID(c)
	if err != nil {
		return err
	}
	if err := h.svc.SetVisible(c.Context(), who(c), id, c.FormValue("visible") == "1"); err != nil {
		return err
	}
	return h.web.Redirect(c, "/teams")
}
