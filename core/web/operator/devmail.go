// Package operator holds the platform operator's pages.
package operator

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/web"
)

const tmplDevMail = "operator/mail"

// Register adds the operator's pages.
func Register(s *web.Server, m *mail.Mailer) {
	s.Handle(fiber.MethodGet, "/dev/mail", web.Operator, func(c fiber.Ctx) error {
		list, err := m.Recent(c.Context(), 50)
		if err != nil {
			return err
		}
		return s.Render(c, web.Page{Template: tmplDevMail, Title: "operator.mail.title",
			Data: map[string]any{"Mails": list, "Delivering": m.Delivering()}})
	})
	s.AddNav(web.NavItem{Label: "nav.dev_mail", Icon: "mail", Path: "/dev/mail", Rule: web.Operator, Group: web.NavPlatform})
}
