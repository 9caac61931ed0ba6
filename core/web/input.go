package web

import (
	"bytes"
	"cmp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v3"
)

// MaxFieldChars is the most characters any one form field or address
// parameter takes. Fields with a purpose have smaller limits of their own
// (a name 100, a note 5,000), said beside the field; this one keeps a
// field nobody limited from taking a million.
const MaxFieldChars = 20_000

// checkInput refuses, before any handler runs, a request whose form fields
// or address parameters hold text that no field takes: invalid UTF-8, a NUL
// byte or another control character (tabs and line breaks aside), or more
// than MaxFieldChars characters. Nothing is written and no database sees a
// byte it fails on: a form answers 422 (413 for a field too long), an
// address 400, in the person's language. Protocol endpoints (calendar apps)
// speak XML and iCalendar, which their own parsers check; files in a
// multipart form are bytes.
func (s *Server) checkInput(c fiber.Ctx) error {
	if s.isProtocol(c) {
		return c.Next()
	}
	for k, v := range c.Request().URI().QueryArgs().All() {
		if textProblem(k) != nil || textProblem(v) != nil {
			return fiber.ErrBadRequest
		}
	}
	if s.isUpload(c) {
		return c.Next() // an upload's fields are checked as it is read (ReadUpload)
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		for k, v := range c.Request().PostArgs().All() {
			if err := cmp.Or(textProblem(k), textProblem(v)); err != nil {
				return err
			}
		}
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		form, err := c.MultipartForm()
		if err != nil {
			return fiber.ErrBadRequest
		}
		for k, vs := range form.Value {
			for _, v := range vs {
				if err := cmp.Or(textProblem([]byte(k)), textProblem([]byte(v))); err != nil {
					return err
				}
			}
		}
		for _, files := range form.File {
			for _, f := range files {
				if err := textProblem([]byte(f.Filename)); err != nil {
					return err
				}
			}
		}
	}
	return c.Next()
}

// errBadText is a form that held text no field takes; its page says what
// to look for.
var errBadText = fiber.NewError(fiber.StatusUnprocessableEntity, "text")

// textProblem is why b is no text a field may hold: errBadText, or 413 for
// more than MaxFieldChars characters; nil when it is.
func textProblem(b []byte) error {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return errBadText
	}
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if n++; n > MaxFieldChars {
			return fiber.ErrRequestEntityTooLarge
		}
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return errBadText
		}
	}
	return nil
}

// OrgParam is the organisation a route names (:org): an invitation's, an
// answer's. A malformed one is 0, which finds nothing, like one that does
// not exist.
func OrgParam(c fiber.Ctx) int64 {
	id, _ := strconv.ParseInt(c.Params("org"), 10, 64)
	return id
}
