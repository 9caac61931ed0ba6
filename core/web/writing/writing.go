// Package writing holds the writing aids every text field of the portal
// shares (richtext.Editor): the preview of what a text will look like,
// rendered in Atrium's one Markdown dialect, as safe as where it is shown.
package writing

import (
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/web"
	"github.com/atriumhq/atrium/plugins/sdk/richtext"
)

// Deps are what the writing aids need: nothing yet but the server.
type Deps struct{}

// Register adds the preview.
func Register(s *web.Server, _ Deps) {
	s.Handle(fiber.MethodPost, richtext.PreviewURL, web.Member, func(c fiber.Ctx) error { return preview(s, c) })
}

// preview renders the field the editor names. Mentions show as typed: who
// may read a text is known where it is kept, not here. Images show only
// from the portal's own module pages.
func preview(s *web.Server, c fiber.Ctx) error {
	field := c.FormValue("field")
	if field == "" || field == "field" || strings.HasPrefix(field, "_") {
		return fiber.ErrBadRequest
	}
	text := c.FormValue(field)
	if strings.TrimSpace(text) == "" {
		loc := web.Localizer(c)
		return c.Type("html").SendString(`<p class="muted">` + loc.T("writing.nothing") + `</p>`)
	}
	out := richtext.Render(text, richtext.Options{Image: richtext.OwnImage("/m/")})
	return c.Type("html").SendString(string(out.HTML))
}
