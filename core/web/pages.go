package web

import "github.com/gofiber/fiber/v3"

// Templates of the core's own pages.
const (
	tmplHome  = "pages/home"
	tmplAbout = "pages/about"
)

func (s *Server) coreRoutes() {
	s.AddNav(NavItem{Label: "nav.home", Icon: "home", Path: "/"})
	s.AddNav(NavItem{Label: "nav.about", Icon: "info", Path: "/about"})
	s.Handle(fiber.MethodGet, "/", Public, s.Home)
	s.Handle(fiber.MethodGet, "/about", Public, s.About)
	s.Handle(fiber.MethodPost, "/language", Public, s.LanguagePost)
}

// Home is the start page.
func (s *Server) Home(c fiber.Ctx) error {
	return s.Render(c, Page{Template: tmplHome, Title: "home.title"})
}

// About tells what Atrium is and which version runs.
func (s *Server) About(c fiber.Ctx) error {
	return s.Render(c, Page{Template: tmplAbout, Title: "about.title"})
}
