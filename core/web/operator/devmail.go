package operator

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/mail"
	"github.com/atriumhq/atrium/core/web"
)

const tmplDevMail = "operator/mail"

// registerDevMail adds the development mail page. It shows every
// organisation's mails, live reset and invitation links included, so it
// exists only while no mail server is configured: then the outbox is the
// only way to read them. With a mail server the mails reach their owners
// alone, and the page and its navigation entry are gone (404).
func registerDevMail(s *web.Server, m *mail.Mailer) {
	if m.Delivering() {
		return
	}
	s.Handle(fiber.MethodGet, "/dev/mail", web.Operator, func(c fiber.Ctx) error {
		list, err := m.Recent(c.Context(), 50)
		if err != nil {
			return err
		}
		return s.Render(c, web.Page{Template: tmplDevMail, Title: "operator.mail.title", Data: map[string]any{"Mails": list}})
	})
	s.AddNav(web.NavItem{Label: "nav.dev_mail", Icon: "mail", Path: "/dev/mail", Rule: web.Operator, Group: web.NavPlatform})
}
