package web

import (
	"errors"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
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

// Refuse records a domain refusal on the form and tells whether err was one;
// other errors are left to the caller. A full subscription (or one busy
// with other additions) is a refusal of the whole form: any form that adds
// a person (an invitation, a trajectory that invites, a reactivation) can
// meet it, and it must read as a message on that form, never as a 500.
func (f *Form) Refuse(err error) bool {
	for _, full := range []error{tenancy.ErrPlanLimit, tenancy.ErrBusy} {
		if errors.Is(err, full) {
			f.Problem = full.Error()
			return true
		}
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

// Unprocessable is the status of a form shown again with its problems.
const Unprocessable = fiber.StatusUnprocessableEntity
