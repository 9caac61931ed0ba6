package organisation

import (
	"io"
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/branding"
	"github.com/atriumhq/atrium/core/web"
)

type lookData struct {
	Form    web.Form
	Themes  []string
	HasLogo bool
	Version string
}

// Look shows the organisation's logo, colours and theme.
func (h *Handlers) Look(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	b, err := h.brands.For(c.Context(), lineageIDs(v))
	if err != nil {
		return err
	}
	f := web.ReadForm(c)
	f.Values["primary"], f.Values["accent"], f.Values["theme"] = branding.DefaultPrimary, branding.DefaultAccent, "default"
	d := lookData{Form: f, Themes: h.brands.Themes()}
	if b != nil {
		f.Values["primary"], f.Values["accent"], f.Values["theme"] = b.Primary, b.Accent, b.Theme
		own, err := h.brands.Own(c.Context(), v.Org.ID)
		if err != nil {
			return err
		}
		d.HasLogo, d.Version = own != nil && len(own.Logo) > 0, b.Version()
	}
	return h.page(c, "organisation/look", "organisation.look.title", fiber.StatusOK, d)
}

// LookPost saves the look, all or nothing.
func (h *Handlers) LookPost(c fiber.Ctx) error {
	v := web.CurrentViewer(c)
	f := web.ReadForm(c, "primary", "accent", "theme")
	look := branding.Look{Primary: f.Values["primary"], Accent: f.Values["accent"], Theme: f.Values["theme"], RemoveLogo: c.FormValue("remove_logo") == "yes"}
	if fh, err := c.FormFile("logo"); err == nil && fh.Size > 0 {
		if fh.Size > branding.MaxLogoBytes {
			f.Errors["logo"] = branding.ErrLogoSize.Message
		} else if file, err := fh.Open(); err == nil {
			look.Logo, _ = io.ReadAll(io.LimitReader(file, branding.MaxLogoBytes+1))
			file.Close()
		}
	}
	var err error
	if len(f.Errors) == 0 { // a refused upload saves nothing else either
		err = h.brands.Save(c.Context(), v.Org.ID, look)
	}
	if len(f.Errors) > 0 || f.Refuse(err) {
		return h.page(c, "organisation/look", "organisation.look.title", web.Unprocessable, lookData{Form: f, Themes: h.brands.Themes()})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "organisation.look.saved")
	return h.web.Redirect(c, "/organisation/look")
}

// ownBrand is the look of the organisation named in the address.
func (h *Handlers) ownBrand(c fiber.Ctx) (*branding.Brand, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	b, err := h.brands.Own(c.Context(), id)
	if err == nil && b == nil {
		err = fiber.ErrNotFound
	}
	return b, err
}

// BrandCSS serves an organisation's colours as a style sheet (public: the
// sign-in page uses it too). The address carries a version, so it caches.
func (h *Handlers) BrandCSS(c fiber.Ctx) error {
	b, err := h.ownBrand(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.SendString(b.CSS())
}

// BrandLogo serves an organisation's logo. SVGs go out with a policy that
// forbids scripts and sandboxes them, on top of the cleaning at upload.
func (h *Handlers) BrandLogo(c fiber.Ctx) error {
	b, err := h.ownBrand(c)
	if err != nil {
		return err
	}
	if len(b.Logo) == 0 {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, b.LogoType)
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(b.Logo)
}
