package web

import (
	"github.com/gofiber/fiber/v3"
	"html/template"

	"github.com/atriumhq/atrium/core/module"
)

// Templates of the core's own pages.
const (
	tmplHome      = "pages/home"
	tmplDashboard = "pages/dashboard"
	tmplAbout     = "pages/about"
)

func (s *Server) coreRoutes() {
	s.AddNav(NavItem{Label: "nav.home", Icon: "home", Path: "/"})
	s.AddNav(NavItem{Label: "nav.about", Icon: "info", Path: "/about"})
	s.Handle(fiber.MethodGet, "/", Public, s.Home)
	s.Handle(fiber.MethodGet, "/about", Public, s.About)
	s.Handle(fiber.MethodPost, "/language", Public, s.LanguagePost)
	s.Handle(fiber.MethodGet, "/events", Member, s.events)
	s.routes[len(s.routes)-1].Stream = true
	s.Handle(fiber.MethodPost, "/events/tune", Member, s.tune)
	s.Handle(fiber.MethodGet, "/nav", Member, s.navPart)
}

// Home is the start page: a welcome for visitors, and for people signed in a
// dashboard of tiles for the modules they may open, with counts of what is new
// since their last sign-in, and the modules' start-page sections.
func (s *Server) Home(c fiber.Ctx) error {
	v := CurrentViewer(c)
	if !v.Complete() {
		return s.Render(c, Page{Template: tmplHome, Title: "home.title"})
	}
	for _, home := range s.homes {
		path, err := home(c, v)
		if err != nil {
			return err
		}
		if path != "" {
			return s.Redirect(c, path)
		}
	}
	if v.Org == nil {
		return s.Render(c, Page{Template: tmplHome, Title: "home.title"})
	}
	d, err := s.dashboard(c, v)
	if err != nil {
		return err
	}
	return s.Render(c, Page{Template: tmplDashboard, Title: "home.title", Data: d})
}

// Tile is one module on the start page.
type Tile struct {
	module.Descriptor
	New int
}

// Section is a module's part of the start page, rendered by its template.
type Section struct {
	Template string
	Data     any
}

type dashboardData struct {
	Tiles    []Tile
	Sections []Section
	Cards    []template.HTML // the modules' start-page cards (SlotHomeTile)
}

// StartSection lets a module show something on the start page.
type StartSection struct {
	Module   string
	Template string
	Data     func(c fiber.Ctx) (any, error)
}

func (s *Server) dashboard(c fiber.Ctx, v *Viewer) (dashboardData, error) {
	var d dashboardData
	since := v.User.CreatedAt
	if v.User.LastSignInAt != nil {
		since = *v.User.LastSignInAt
	}
	if s.modules != nil {
		for _, m := range s.modules.All() {
			if !v.HasModule(m.ID) || !v.Can.Has(m.Permission) {
				continue
			}
			tile := Tile{Descriptor: m}
			if m.NewCount != nil {
				n, err := m.NewCount(c.Context(), v.Org.ID, v.User.ID, since)
				if err != nil {
					return d, err
				}
				tile.New = n
			}
			d.Tiles = append(d.Tiles, tile)
		}
	}
	for _, sec := range s.sections {
		if sec.Module != "" && !v.HasModule(sec.Module) {
			continue
		}
		data, err := sec.Data(c)
		if err != nil {
			return d, err
		}
		d.Sections = append(d.Sections, Section{Template: sec.Template, Data: data})
	}
	d.Cards = s.FillSlot(c, SlotHomeTile, nil)
	return d, nil
}

// About tells what Atrium is and which version runs.
func (s *Server) About(c fiber.Ctx) error {
	return s.Render(c, Page{Template: tmplAbout, Title: "about.title"})
}
