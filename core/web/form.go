package web

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
)

// Form carries what someone typed back to the form, with the message id of
// each field's problem, so a refused form shows again filled in and explained.
type Form struct {
	Values map[string]string
	Errors map[string]string
	// Problem is a message id about the whole form.
	Problem string
	// Rules are the password rules, met or not, for the live checklist.
	Rules []identity.Rule
}

// ReadForm takes the named fields from the request.
func ReadForm(c fiber.Ctx, fields ...string) Form {
	f := Form{Values: map[string]string{}, Errors: map[string]string{}}
	for _, name := range fields {
		f.Values[name] = c.FormValue(name)
	}
	return f
}

// fieldErrors is a domain refusal that names each refused field with a
// message id.
type fieldErrors interface {
	error
	FieldErrors() map[string]string
}

// Refuse records a domain refusal of the input or of the state it meets on
// the form (each field's problem, or one about the whole form) and tells
// whether err was one; other errors are left to the caller, who returns
// them: a refusal of what the person may not see or do then answers with
// its own page (404, 403), anything else is a failure. A full subscription
// (or one busy with other additions) is such a refusal of the whole form:
// any form that adds a person can meet it, and it reads as a message on
// that form, never as a 500.
func (f *Form) Refuse(err error) bool {
	if r, ok := onForm(err); ok {
		if r.Field != "" {
			f.Errors[r.Field] = r.Message
		} else {
			f.Problem = r.Message
		}
		return true
	}
	var inv *identity.Invalid
	if errors.As(err, &inv) {
		f.Rules = inv.Rules
	}
	var refused fieldErrors
	if !errors.As(err, &refused) {
		return false
	}
	for field, message := range refused.FieldErrors() {
		f.Errors[field] = message
	}
	return true
}

// FlashRefusal shows a refusal of the input or the state as a message on
// the next page, for an action without a form of its own (a button), and
// tells whether err was one.
func FlashRefusal(c fiber.Ctx, err error) bool {
	r, ok := onForm(err)
	if ok {
		SetFlash(c, "error", r.Message)
	}
	return ok
}

// Unprocessable is the status of a form shown again with its problems.
const Unprocessable = fiber.StatusUnprocessableEntity
