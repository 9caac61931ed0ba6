// Package dossiers holds the dossier pages: the list with its quick search
// and the "Shared with me" group, a dossier with its cards, registering a
// person, starting a trajectory and sharing a dossier.
package dossiers

import (
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/readstate"
	"github.com/atriumhq/atrium/core/tenancy"
	"github.com/atriumhq/atrium/core/web"
)

// Handlers are the dossier pages.
type Handlers struct {
	web   *web.Server
	svc   *dossier.Service
	orgs  *tenancy.Service
	ids   *identity.Service
	reads *readstate.Service
}

// Register adds the module, its pages and its navigation entry.
// Deps are what the dossier pages need.
type Deps struct {
	Dossiers *dossier.Service
	Orgs     *tenancy.Service
	Identity *identity.Service
	Reads    *readstate.Service
	Modules  *module.Registry
}

func Register(s *web.Server, d Deps) {
	h := &Handlers{web: s, svc: d.Dossiers, orgs: d.Orgs, ids: d.Identity, reads: d.Reads}
	d.Modules.Add(module.Descriptor{ID: dossier.Module, Label: "dossier.module", Description: "dossier.summary",
		Icon: "folder", Path: "/dossiers", Permission: access.DossiersView})
	// A dossier shared from another organisation opens for its recipient
	// whatever their own organisation has on: the routes that name a dossier
	// check the dossier's organisation and the person's level in it.
	list := web.InModule(dossier.Module, web.Need(access.DossiersView))
	register := web.InModule(dossier.Module, web.Need(access.DossiersRegister))
	get, post := fiber.MethodGet, fiber.MethodPost
	s.Handle(get, "/dossiers", web.Member, h.List)
	s.Handle(get, "/dossiers/search", web.Member, h.Search)
	s.Handle(get, "/search", web.Member, h.SearchPage)
	s.Handle(get, "/dossiers/new", register, h.New)
	s.Handle(post, "/dossiers/new", register, h.NewPost)
	s.Handle(get, "/dossiers/:id", web.Member, h.Show)
	s.Handle(get, "/dossiers/:id/edit", web.Member, h.Edit)
	s.Handle(post, "/dossiers/:id/edit", web.Member, h.EditPost)
	s.Handle(get, "/dossiers/:id/trajectories/new", web.Member, h.StartTrajectory)
	s.Handle(post, "/dossiers/:id/trajectories/new", web.Member, h.StartTrajectoryPost)
	s.Handle(post, "/dossiers/:id/trajectories/:tid/close", web.Member, h.CloseTrajectoryPost)
	s.Handle(get, "/dossiers/:id/sharing", web.Member, h.Sharing)
	s.Handle(post, "/dossiers/:id/sharing", web.Member, h.SharingPost)
	s.Handle(post, "/dossiers/:id/shares/:sid/revoke", web.Member, h.RevokePost)
	s.Handle(post, "/dossiers/:id/coach", web.Member, h.CoachPost)
	s.Handle(post, "/dossiers/:id/co-coaches", web.Member, h.CoCoachPost)
	s.Handle(post, "/dossiers/:id/co-coaches/:uid/remove", web.Member, h.CoCoachRemovePost)
	s.Handle(get, "/dossiers/:id/members/:uid/photo", web.Member, h.MemberPhoto)
	s.Handle(post, "/dossiers/:id/read", web.Member, h.ReadPost)
	s.Handle(post, "/dossiers/:id/tasks", web.Member, h.RequestPost)
	s.Handle(get, "/dossiers/:id/tasks/:task", web.Member, h.Task)
	tasks := web.InModule(dossier.Module, web.Need(access.TasksHandle))
	s.Handle(get, "/tasks", tasks, h.Tasks)
	s.Handle(post, "/tasks/:tid", tasks, h.TaskPost)
	products := web.InModule(dossier.Module, web.Need(access.ProductsManage))
	s.Handle(get, "/products", products, h.Products)
	s.Handle(post, "/products", products, h.ProductsPost)
	teams := web.InModule(dossier.Module, web.Need(access.DossiersView))
	s.Handle(get, "/teams", teams, h.Teams)
	s.Handle(post, "/teams", web.InModule(dossier.Module, web.Need(access.TeamsManage)), h.TeamPost)
	s.Handle(post, "/teams/:tid/members", web.InModule(dossier.Module, web.Need(access.TeamsManage)), h.MemberPost)
	s.Handle(post, "/teams/:tid/visibility", teams, h.VisibilityPost)
	s.AddHome(h.home)
	s.AddStartSection(web.StartSection{Module: dossier.Module, Template: tmplMine, Data: h.mine})
	s.AddNav(web.NavItem{Label: "dossier.nav", Icon: "folder", Path: "/dossiers", Rule: list, Group: web.NavStart})
	s.AddNav(web.NavItem{Label: "dossier.tasks.title", Icon: "check", Path: "/tasks", Rule: tasks, Group: web.NavStart, Badge: h.openTasks,
		CountLabel: "dossier.tasks.open_count"})
	s.AddNav(web.NavItem{Label: "dossier.teams.title", Icon: "users", Path: "/teams", Rule: teams, Group: web.NavModules})
	s.AddNav(web.NavItem{Label: "dossier.products.title", Icon: "folder", Path: "/products", Rule: products, Group: web.NavAdministration})
}

// who is the viewer as the dossier service knows them.
func who(c fiber.Ctx) dossier.Who {
	v := web.CurrentViewer(c)
	w := dossier.Who{UserID: v.User.ID, Can: v.Can}
	if v.Org != nil && v.HasModule(dossier.Module) {
		w.OrgID = v.Org.ID
	}
	return w
}

// open reads the dossier the route names, at need or above; a dossier the
// viewer may not open, or whose organisation has switched dossiers off, is
// a 404 like one that does not exist.
func (h *Handlers) open(c fiber.Ctx, need dossier.Level) (*dossier.Dossier, dossier.Level, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, dossier.None, fiber.ErrNotFound
	}
	d, level, err := h.svc.Open(c.Context(), who(c), id)
	if err != nil {
		return nil, dossier.None, err
	}
	on := who(c).OrgID == d.OrganisationID // the viewer's own organisation has it on
	if !on {
		if on, err = h.orgs.ModuleOn(c.Context(), d.OrganisationID, dossier.Module); err != nil {
			return nil, dossier.None, err
		}
	}
	if !on {
		return nil, dossier.None, fiber.ErrNotFound
	}
	if level < need {
		return nil, dossier.None, fiber.ErrForbidden
	}
	return d, level, nil
}

// link is a dossier's address.
func link(id int64, rest string) string { return "/dossiers/" + strconv.FormatInt(id, 10) + rest }
