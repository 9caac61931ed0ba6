// Package announcements holds the pages of the announcements module: the
// organisation's notices, and posting one.
package announcements

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/announcement"
	"github.com/atriumhq/atrium/core/module"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplList   = "announcements/list"
	tmplRecent = "announcements/recent"
)

// Handlers are the announcements pages.
type Handlers struct {
	web *web.Server
	svc *announcement.Service
}

// Register adds the module, its pages, its navigation entry and its start-page section.
// Deps are what the announcement pages need.
type Deps struct {
	Announcements *announcement.Service
	Modules       *module.Registry
}

func Register(s *web.Server, d Deps) {
	svc, modules := d.Announcements, d.Modules
	h := &Handlers{web: s, svc: svc}
	modules.Add(module.Descriptor{ID: announcement.Module, Label: "announcements.title", Description: "announcements.summary",
		Icon: "megaphone", Path: "/announcements", NewCount: svc.NewCount})
	read := web.InModule(announcement.Module, web.Member)
	post := web.InModule(announcement.Module, web.Need(access.AnnouncementsPost))
	s.Handle(fiber.MethodGet, "/announcements", read, h.List)
	s.Handle(fiber.MethodPost, "/announcements", post, h.ListPost)
	s.AddNav(web.NavItem{Label: "announcements.title", Icon: "megaphone", Path: "/announcements", Rule: read, Group: web.NavModules})
	s.AddStartSection(web.StartSection{Module: announcement.Module, Template: tmplRecent, Data: func(c fiber.Ctx) (any, error) {
		return svc.Recent(c.Context(), web.CurrentViewer(c).Org.ID, 3)
	}})
}

type listData struct {
	List []announcement.Announcement
	Form web.Form
}

// List shows the organisation's announcements, newest first.
func (h *Handlers) List(c fiber.Ctx) error { return h.render(c, web.ReadForm(c), fiber.StatusOK) }

func (h *Handlers) render(c fiber.Ctx, f web.Form, status int) error {
	list, err := h.svc.Recent(c.Context(), web.CurrentViewer(c).Org.ID, 50)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplList, Title: "announcements.title", Status: status, Data: listData{List: list, Form: f}})
}

// ListPost publishes an announcement.
func (h *Handlers) ListPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	f := web.ReadForm(c, "title", "body")
	_, err := h.svc.Post(c.Context(), v.Org.ID, v.User.ID, f.Values["title"], f.Values["body"])
	var inv *announcement.Invalid
	if errors.As(err, &inv) {
		f.Errors = inv.Fields
		return h.render(c, f, web.Unprocessable)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "announcements.posted")
	return h.web.Redirect(c, "/announcements")
}
