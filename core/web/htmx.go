package web

import "github.com/gofiber/fiber/v3"

// The htmx request and response headers Atrium reads and writes, in one place.
const (
	HeaderRequest        = "HX-Request"
	HeaderBoosted        = "HX-Boosted"
	HeaderHistoryRestore = "HX-History-Restore-Request"
	HeaderTarget         = "HX-Target"
	HeaderRedirect       = "HX-Redirect"
	HeaderPushURL        = "HX-Push-Url"
	HeaderTrigger        = "HX-Trigger"
)

// HTMX is what htmx said about one request.
type HTMX struct {
	Request, Boosted, HistoryRestore bool
	Target                           string
}

// ReadHTMX parses the htmx headers of a request.
func ReadHTMX(c fiber.Ctx) HTMX {
	return HTMX{
		Request:        c.Get(HeaderRequest) == "true",
		Boosted:        c.Get(HeaderBoosted) == "true",
		HistoryRestore: c.Get(HeaderHistoryRestore) == "true",
		Target:         c.Get(HeaderTarget),
	}
}

// WantsPartial tells whether the answer is the page's fragment alone: htmx asked
// for it, and it is neither a boosted navigation nor a history restore nor
// aimed at the main area (a filter form that inherits the layout's target and
// hx-select="#main"), all of which need the whole page.
func (h HTMX) WantsPartial() bool {
	return h.Request && !h.Boosted && !h.HistoryRestore && h.Target != "main"
}
