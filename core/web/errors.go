package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v3"
)

// errorPage is the data of the error template.
type errorPage struct {
	Code      int
	Heading   string // message id
	Text      string // message id
	RequestID string
}

// knownErrors have their own wording; other codes use the generic one.
var knownErrors = map[int]bool{400: true, 403: true, 404: true, 405: true, 409: true, 413: true, 422: true, 429: true, 500: true, 503: true}

// handleError is Fiber's error handler: every error a handler returns ends
// here and becomes a page in the layout, in the person's language. A 500 is
// logged with the route and the request id and shows only the id.
func (s *Server) handleError(c fiber.Ctx, err error) error {
	code, text := fiber.StatusInternalServerError, ""
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	} else if status, message, ok := statusOf(err); ok {
		code, text = status, message
	}
	if code >= 500 {
		route := c.Path()
		if r := c.Route(); r != nil && r.Path != "" {
			route = r.Path
		}
		s.log.Error("request failed", "op", c.Method()+" "+route, "request_id", RequestID(c), "error", err.Error())
	}
	key := "error.generic"
	if knownErrors[code] {
		key = "error." + strconv.Itoa(code)
	}
	switch {
	case errors.Is(err, errFormExpired):
		key = "error.csrf"
	case errors.Is(err, errBadText):
		key = "error.text"
	case errors.Is(err, errNotSteward):
		key = "error.steward"
	case errors.Is(err, errOutranked):
		key = "error.outranked"
	}
	if Localizer(c) == nil { // failed before the language was chosen
		c.Locals(localLocalizer, s.catalog.Localizer(s.defaultLocale))
	}
	if text == "" {
		text = key + ".text"
	}
	page := Page{Template: "errors/page", Title: key + ".title", Status: code,
		Data: errorPage{Code: code, Heading: key + ".title", Text: text, RequestID: RequestID(c)}}
	if rerr := s.Render(c, page); rerr != nil {
		s.log.Error("error page failed", "request_id", RequestID(c), "error", rerr.Error())
		return c.Status(code).SendString(strconv.Itoa(code) + " " + fiber.ErrInternalServerError.Message)
	}
	return nil
}
