// Package notices holds the page of a person's notices: what modules told
// them is new, newest first, each opening where it points.
package notices

import (
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/notice"
	"github.com/atriumhq/atrium/core/web"
)

const tmplList = "notices/list"

// Handlers are the notices pages.
type Handlers struct {
	web *web.Server
	svc *notice.Service
}

// Register adds the pages and the navigation entry, which shows the number
// of unread notices.
// Deps are what the notices page needs.
type Deps struct {
	Notices *notice.Service
}

func Register(s *web.Server, d Deps) {
	svc := d.Notices
	h := &Handlers{web: s, svc: svc}
	s.Handle(fiber.MethodGet, "/notices", web.Member, h.List)
	s.Handle(fiber.MethodPost, "/notices/read", web.Member, h.ReadAll)
	s.Handle(fiber.MethodPost, "/notices/:id/open", web.Member, h.Open)
	s.AddNav(web.NavItem{Label: "notices.title", Icon: "bell", Path: "/notices", Rule: web.Member, Group: web.NavStart,
		Badge: func(c fiber.Ctx) (int, error) {
			v := web.CurrentViewer(c)
			if v.Org == nil {
				return 0, nil
			}
			return svc.Unread(c.Context(), v.Org.ID, v.User.ID)
		}})
}

// viewer is the person whose notices a page shows; a person in no
// organisation has none.
func viewer(c fiber.Ctx) (*web.Viewer, error) {
	v := web.CurrentViewer(c)
	if v.Org == nil {
		return nil, fiber.ErrNotFound
	}
	return v, nil
}

// List shows the person's newest notices.
func (h *Handlers) List(c fiber.Ctx) error {
	v, err := viewer(c)
	if err != nil {
		return err
	}
	list, err := h.svc.Recent(c.Context(), v.Org.ID, v.User.ID, 100)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplList, Title: "notices.title", Data: list})
}

// Open marks a notice read and goes where it points.
func (h *Handlers) Open(c fiber.Ctx) error {
	v, err := viewer(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	link, err := h.svc.Open(c.Context(), v.Org.ID, v.User.ID, id)
	if err != nil {
		return err
	}
	return c.Redirect().Status(fiber.StatusSeeOther).To(link)
}

// ReadAll marks every notice read.
func (h *Handlers) ReadAll(c fiber.Ctx) error {
	v, err := viewer(c)
	if err != nil {
		return err
	}
	if err := h.svc.ReadAll(c.Context(), v.Org.ID, v.User.ID); err != nil {
		return err
	}
	return c.Redirect().Status(fiber.StatusSeeOther).To("/notices")
}
