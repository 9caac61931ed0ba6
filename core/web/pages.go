package web

import "github.com/gofiber/fiber/v3"

// Templates of the core's own pages.
const (
	tmplHome  = "pages/home"
	tmplAbout = "pages/about"
)

func (s *Server) routes() {
	s.AddNav(NavItem{Label: "nav.home", Icon: "home", Path: "/"})
	s.AddNav(NavItem{Label: "nav.about", Icon: "info", Path: "/about"})
	s.app.Get("/", s.Home)
	s.app.Get("/about", s.About)
	s.app.Post("/language", s.LanguagePost)
}

// Home is the start page.
func (s *Server) Home(c fiber.Ctx) error {
	return s.Render(c, Page{Template: tmplHome, Title: "home.title"})
}

// About tells what Atrium is and which version runs.
func (s *Server) About(c fiber.Ctx) error {
	return s.Render(c, Page{Template: tmplAbout, Title: "about.title"})
}
