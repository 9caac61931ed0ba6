package web

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/refusal"
)

// This is the one mapping from what the domains refuse to what the web
// answers: a refusal's kind decides the status, its message the words. A
// handler returns the error (the error page says it) or hands it to its
// form (Form.Refuse shows it there); none maps errors to statuses itself.

// statusOf is the status a refusal answers with; ok is false for an error
// that is no refusal (a failure: 500).
func statusOf(err error) (status int, message string, ok bool) {
	var r *refusal.Error
	if errors.As(err, &r) {
		return kindStatus[r.Kind], r.Message, true
	}
	var fields fieldErrors
	if errors.As(err, &fields) {
		return fiber.StatusUnprocessableEntity, "", true
	}
	return 0, "", false
}

var kindStatus = map[refusal.Kind]int{
	refusal.Invalid:   fiber.StatusUnprocessableEntity,
	refusal.NotFound:  fiber.StatusNotFound,
	refusal.Forbidden: fiber.StatusForbidden,
	refusal.Conflict:  fiber.StatusConflict,
	refusal.TooMany:   fiber.StatusTooManyRequests,
}

// onForm tells whether a refusal belongs on the form that was sent (the
// input or the state it meets), rather than on an error page (what the
// person may not see or do at all).
func onForm(err error) (*refusal.Error, bool) {
	var r *refusal.Error
	if !errors.As(err, &r) {
		return nil, false
	}
	return r, r.Kind == refusal.Invalid || r.Kind == refusal.Conflict
}
