package dossiers

import (
	"html/template"
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

const tmplPage = "dossiers/page"

type pageData struct {
	Dossier      *dossier.Dossier
	Level        dossier.Level
	Coach        *identity.User
	Person       *identity.User // the subject's account, once invited
	Organisation string         // when the dossier is another organisation's
	Trajectories []dossier.Trajectory
	Members      []dossier.Member
	Cards        []template.HTML
	Read         map[int64]bool // trajectories the viewer has read
	New          map[string]int // items new to the viewer, per kind
	Tasks        []dossier.TaskRow
	CanStart     bool
	CanEdit      bool
	CanManage    bool
}

// Show is a dossier's page: the person and their coach on top, then the
// cards: the core's (trajectories, details, members) and those the modules
// the dossier's organisation has on offer through the dossier slot. Every
// view by someone other than the person is in the audit log.
func (h *Handlers) Show(c fiber.Ctx) error {
	d, level, err := h.open(c, dossier.View)
	if err != nil {
		return err
	}
	w := who(c)
	ctx := c.Context()
	data := pageData{Dossier: d, Level: level, CanEdit: level >= dossier.Edit, CanManage: level >= dossier.Manage,
		CanStart: w.OrgID == d.OrganisationID && w.Can.Has(access.TrajectoriesStart)}
	if w.OrgID != d.OrganisationID {
		org, err := h.orgs.ByID(ctx, d.OrganisationID)
		if err != nil {
			return err
		}
		data.Organisation = org.Name
	}
	if data.Coach, err = h.user(c, d.CoachID); err != nil {
		return err
	}
	if data.Person, err = h.user(c, d.UserID); err != nil {
		return err
	}
	if data.Trajectories, err = h.svc.Trajectories(ctx, d.ID); err != nil {
		return err
	}
	if data.Members, err = h.svc.Members(ctx, d); err != nil {
		return err
	}
	if data.Tasks, err = h.svc.TasksOf(ctx, w, d); err != nil {
		return err
	}
	if data.Read, err = h.trajectoriesRead(c, d.ID, data.Trajectories); err != nil {
		return err
	}
	if data.New, err = h.reads.NewPerKind(ctx, w.UserID, d.ID); err != nil {
		return err
	}
	scope, err := h.scope(c, d)
	if err != nil {
		return err
	}
	data.Cards = h.web.FillSlotIn(c, web.SlotDossierCard, map[string]string{"dossier_id": strconv.FormatInt(d.ID, 10), "level": level.String()}, scope)
	if err := h.svc.Viewed(ctx, w, d, c.IP()); err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplPage, TitleText: d.Name(), Data: data})
}

func (h *Handlers) user(c fiber.Ctx, id *int64) (*identity.User, error) {
	if id == nil {
		return nil, nil
	}
	return h.ids.ByID(c.Context(), *id)
}

// MemberPhoto serves the photo of someone who may open the dossier, to those
// who may open it too (they can be of another organisation).
func (h *Handlers) MemberPhoto(c fiber.Ctx) error {
	d, _, err := h.open(c, dossier.View)
	if err != nil {
		return err
	}
	uid, err := strconv.ParseInt(c.Params("uid"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	members, err := h.svc.Members(c.Context(), d)
	if err != nil {
		return err
	}
	for _, m := range members {
		if m.UserID != uid || !m.HasPhoto {
			continue
		}
		u, err := h.ids.ByID(c.Context(), uid)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, u.PhotoType)
		c.Set(fiber.HeaderCacheControl, "private, max-age=300")
		return c.Send(u.Photo)
	}
	return fiber.ErrNotFound
}

func (h *Handlers) trajectoriesRead(c fiber.Ctx, dossierID int64, list []dossier.Trajectory) (map[int64]bool, error) {
	refs := make([]string, len(list))
	for i, t := range list {
		refs[i] = strconv.FormatInt(t.ID, 10)
	}
	read, err := h.reads.Read(c.Context(), who(c).UserID, dossierID, dossier.KindTrajectory, refs)
	out := make(map[int64]bool, len(list))
	for i, t := range list {
		out[t.ID] = read[refs[i]]
	}
	return out, err
}

// scope is where the modules' cards of a dossier are asked: nil for the
// viewer's own organisation; for a dossier shared from another one, that
// organisation with its modules and none of its permissions (the card
// decides by the level).
func (h *Handlers) scope(c fiber.Ctx, d *dossier.Dossier) (*web.Scope, error) {
	if who(c).OrgID == d.OrganisationID {
		return nil, nil
	}
	lineage, err := h.orgs.Lineage(c.Context(), d.OrganisationID)
	if err != nil {
		return nil, err
	}
	modules, err := h.orgs.ModulesIn(c.Context(), lineage)
	if err != nil {
		return nil, err
	}
	return &web.Scope{Org: &lineage[0], Lineage: lineage, Modules: modules, Can: access.Set{}}, nil
}
