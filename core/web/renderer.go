package web

import (
	"fmt"
	"html/template"
	"log/slog"
	"strconv"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/branding"
	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Renderer answers with pages: the theme's templates in the person's
// language, a fragment alone for htmx and inside the layout otherwise, with
// the navigation the viewer may open and the organisation's look.
type Renderer struct {
	views         *Views
	catalog       *i18n.Catalog
	log           *slog.Logger
	version       string
	defaultLocale string
	brands        *branding.Service
	tree          *tenancy.Service // for a visitor's organisation's look, its ancestors'
	// visitorOrg is the organisation a visitor's address names, for its look.
	visitorOrg func(fiber.Ctx) *tenancy.Organisation
	registries *Registries
	// live is what a page needs to listen to its topics; nil without a hub.
	live func(fiber.Ctx, *Viewer) *Live
}

// Render answers with a page: the fragment alone when htmx asked for a
// partial, otherwise the fragment inside the theme's layout. It always sends
// Vary: HX-Request so that caches keep the two apart.
func (r *Renderer) Render(c fiber.Ctx, p Page) error {
	c.Vary(HeaderRequest)
	view := r.view(c, p)
	body, err := r.views.Execute(Localizer(c), p.Template, view)
	if err != nil {
		return fmt.Errorf("render %s: %w", p.Template, err)
	}
	if !ReadHTMX(c).WantsPartial() {
		view.Content = template.HTML(body)
		wrap := layout
		if p.Layout != "" {
			wrap = p.Layout
		}
		if body, err = r.views.Execute(Localizer(c), wrap, view); err != nil {
			return fmt.Errorf("render %s in %s: %w", p.Template, wrap, err)
		}
	}
	status := p.Status
	if status == 0 {
		status = fiber.StatusOK
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(body)
}

// visibleNav keeps the entries the viewer may open.
func (r *Renderer) visibleNav(c fiber.Ctx) []NavItem { return r.visible(c, r.registries.nav) }

// visible keeps the items the viewer may open, with their counts.
func (r *Renderer) visible(c fiber.Ctx, items []NavItem) []NavItem {
	v := CurrentViewer(c)
	var out []NavItem
	for _, item := range items {
		switch {
		case item.Rule.Level == Anyone:
		case !v.Complete(): // visitors, and whoever has only the password step done
			continue
		case !v.Can.Has(item.Rule.Need):
			continue
		case item.Rule.Module != "" && !v.HasModule(item.Rule.Module):
			continue
		}
		if item.Badge != nil {
			n, err := item.Badge(c)
			if err != nil { // a count is not worth an error page
				r.log.Warn("navigation badge", "path", item.Path, "error", err.Error())
			}
			item.Count = n
		}
		if item.OnlyCounted && item.Count == 0 {
			continue
		}
		out = append(out, item)
	}
	return out
}

// RenderFragment answers with HTML made elsewhere (a plugin's page): in the
// layout for a whole page, alone for htmx. title is already translated.
func (r *Renderer) RenderFragment(c fiber.Ctx, status int, title string, body template.HTML) error {
	return r.Render(c, Page{Template: "plugins/page", Title: "plugins.untitled", TitleText: title, Status: status, Data: fragment{Title: title, Body: body}})
}

func (r *Renderer) view(c fiber.Ctx, p Page) *View {
	var live *Live
	if v := CurrentViewer(c); v != nil && v.Complete() && v.Org != nil && r.live != nil {
		live = r.live(c, v)
	}
	// The password alone proves little: whoever has only that step done
	// sees the pages as a visitor does, with the way on, and nothing of
	// the account (its name, address, organisation).
	viewer, pending := CurrentViewer(c), ""
	if viewer != nil && !viewer.Complete() {
		viewer, pending = nil, nextStep(viewer)
	}
	return &View{
		Live:      live,
		Page:      p,
		Locale:    Localizer(c).Locale,
		Locales:   r.catalog.Locales(),
		Path:      c.Path(),
		CSRF:      CSRFToken(c),
		RequestID: RequestID(c),
		Flash:     takeFlash(c),
		Nav:       r.visibleNav(c),
		Panels:    r.visible(c, r.registries.panels),
		Viewer:    viewer,
		Pending:   pending,
		Shell:     r.shell(c),
		Version:   r.version,
	}
}

// shell works out the request's organisation once and remembers it: the
// signed-in person's, else the one shown to visitors; with its look.
func (r *Renderer) shell(c fiber.Ctx) Shell {
	if sh, ok := c.Locals(localShell).(Shell); ok {
		return sh
	}
	var sh Shell
	var lineage []int64
	// Only a complete sign-in shows the person's organisation: the password
	// alone gets the visitors' shell.
	if v := CurrentViewer(c); v.Complete() && v.Org != nil {
		sh = Shell{OrganisationName: v.Org.Name, Initials: Initials(v.Org.Name), Locale: v.Org.Locale}
		lineage = ids(v.Lineage)
	} else if r.visitorOrg != nil {
		if org := r.visitorOrg(c); org != nil {
			sh = Shell{OrganisationName: org.Name, Initials: Initials(org.Name), Locale: org.Locale}
			lineage = []int64{org.ID}
			if !org.Subscriber() && r.tree != nil { // a subscriber is its own lineage
				if up, err := r.tree.Lineage(c.Context(), org.ID); err == nil {
					lineage = ids(up)
				}
			}
		}
	}
	if r.brands != nil && len(lineage) > 0 {
		if b, err := r.brands.For(c.Context(), lineage); err == nil && b != nil {
			sh.BrandCSS = "/brand/" + strconv.FormatInt(b.OrganisationID, 10) + "/style.css?v=" + b.Version()
			if b.LogoType != "" {
				sh.LogoURL = "/brand/" + strconv.FormatInt(b.OrganisationID, 10) + "/logo?v=" + b.Version()
			}
		}
	}
	c.Locals(localShell, sh)
	return sh
}

// orgLocale is the organisation's default language, else the configured one.
func (r *Renderer) orgLocale(c fiber.Ctx) string {
	if l := r.shell(c).Locale; l != "" {
		return l
	}
	return r.defaultLocale
}

// Redirect sends the browser to path: a 303 for ordinary requests, and
// HX-Redirect for htmx, which would otherwise swap the target page in place.
func (r *Renderer) Redirect(c fiber.Ctx, path string) error { return redirect(c, path) }
