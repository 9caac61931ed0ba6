package account

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/web"
)

const (
	tmplSessions     = "account/sessions"
	tmplAppPasswords = "account/app_passwords"
)

// Sessions lists where the person is signed in.
func (h *Handlers) Sessions(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	list, err := h.ids.Sessions(c.Context(), v.User.ID)
	if err != nil {
		return err
	}
	rows := make([]sessionRow, len(list))
	for i, s := range list {
		rows[i] = sessionRow{ID: s.ID, IP: s.IP, UserAgent: browserName(s.UserAgent), Started: s.CreatedAt, LastSeen: s.LastSeenAt, Current: s.ID == v.Session.ID}
	}
	return h.web.Render(c, web.Page{Template: tmplSessions, Title: "account.sessions.title", Data: rows})
}

// SessionEndPost ends one session (another browser, a lost phone).
func (h *Handlers) SessionEndPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	err := h.ids.EndSession(c.Context(), v.User.ID, c.Params("id"))
	if errors.Is(err, identity.ErrNoSession) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	if c.Params("id") == v.Session.ID {
		return h.SignOutPost(c)
	}
	web.SetFlash(c, "success", "account.sessions.ended")
	return h.web.Redirect(c, "/settings/sessions")
}

// SessionsEndOthersPost ends every session but this one.
func (h *Handlers) SessionsEndOthersPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	if _, err := h.ids.EndOtherSessions(c.Context(), v.User.ID, v.Session.ID); err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.sessions.ended_others")
	return h.web.Redirect(c, "/settings/sessions")
}

type appPasswordsData struct {
	Form web.Form
	List []identity.AppPassword
	New  string // shown once, right after creation
}

// AppPasswords lists the person's app passwords.
func (h *Handlers) AppPasswords(c fiber.Ctx) error {
	return h.renderAppPasswords(c, web.ReadForm(c), "", fiber.StatusOK)
}

func (h *Handlers) renderAppPasswords(c fiber.Ctx, f web.Form, created string, status int) error {
	list, err := h.ids.AppPasswords(c.Context(), web.CurrentViewer(c).User.ID)
	if err != nil {
		return err
	}
	if created != "" {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return h.web.Render(c, web.Page{Template: tmplAppPasswords, Title: "account.app_passwords.title", Status: status,
		Data: appPasswordsData{Form: f, List: list, New: created}})
}

// AppPasswordsPost makes a named app password and shows it once.
func (h *Handlers) AppPasswordsPost(c fiber.Ctx) error {
	f := web.ReadForm(c, "name")
	plain, err := h.ids.CreateAppPassword(c.Context(), web.CurrentViewer(c).User, f.Values["name"], c.IP())
	if f.Refuse(err) {
		return h.renderAppPasswords(c, f, "", web.Unprocessable)
	}
	if err != nil {
		return err
	}
	return h.renderAppPasswords(c, web.ReadForm(c), plain, fiber.StatusOK)
}

// AppPasswordRevokePost stops an app password.
func (h *Handlers) AppPasswordRevokePost(c fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	if err := h.ids.RevokeAppPassword(c.Context(), web.CurrentViewer(c).User, id, c.IP()); err != nil {
		return err
	}
	web.SetFlash(c, "success", "account.app_passwords.revoked")
	return h.web.Redirect(c, "/settings/app-passwords")
}

// browserName shortens a User-Agent to what a person recognises.
func browserName(ua string) string {
	for _, b := range []string{"Edg", "Firefox", "Chrome", "Safari"} {
		if strings.Contains(ua, b) {
			name := map[string]string{"Edg": "Edge"}[b]
			if name == "" {
				name = b
			}
			for _, os := range []string{"Windows", "Mac OS", "Android", "iPhone", "Linux"} {
				if strings.Contains(ua, os) {
					return name + " · " + os
				}
			}
			return name
		}
	}
	if ua == "" {
		return "?"
	}
	return ua
}
