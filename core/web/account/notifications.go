package account

import (
	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

const tmplNotifications = "account/notifications"

type notificationsData struct {
	Kinds []identity.MailKind
	On    map[string]bool
}

// Notifications shows which notification mails the person receives.
func (h *Handlers) Notifications(c fiber.Ctx) error {
	on, err := h.ids.MailPreferences(c.Context(), web.CurrentViewer(c).User.ID)
	if err != nil {
		return err
	}
	return h.web.Render(c, web.Page{Template: tmplNotifications, Title: "settings.notifications.title",
		Data: notificationsData{Kinds: h.ids.MailKinds(), On: on}})
}

// NotificationsPost saves the choices.
func (h *Handlers) NotificationsPost(c fiber.Ctx) error {
	var on []string
	for _, v := range c.Request().PostArgs().PeekMulti("kinds") {
		on = append(on, string(v))
	}
	if err := h.ids.SetMailPreferences(c.Context(), web.CurrentViewer(c).User.ID, on); err != nil {
		return err
	}
	web.SetFlash(c, "success", "settings.notifications.saved")
	return h.web.Redirect(c, "/settings/notifications")
}
