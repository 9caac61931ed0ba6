package web

import (
	"errors"
	"fmt"
	"testing"

	"github.com/atriumhq/atrium/core/refusal"
)

// TestEachRefusalHasOneAnswer: the one mapping from a domain's refusal to
// a status and its words, wrapped or not; an error that is no refusal is
// a failure, never dressed as one.
func TestEachRefusalHasOneAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		message string
		ok      bool
		onForm  bool
	}{
		{"invalid", refusal.New(refusal.Invalid, "r", "m.invalid").On("name"), 422, "m.invalid", true, true},
		{"not found", refusal.New(refusal.NotFound, "r", ""), 404, "", true, false},
		{"forbidden", refusal.New(refusal.Forbidden, "r", "m.forbidden"), 403, "m.forbidden", true, false},
		{"conflict", fmt.Errorf("saving: %w", refusal.New(refusal.Conflict, "r", "m.conflict")), 409, "m.conflict", true, true},
		{"too many", refusal.New(refusal.TooMany, "r", "m.wait"), 429, "m.wait", true, false},
		{"fields", refusal.Of("email", "m.email"), 422, "", true, false},
		{"a failure", errors.New("disk full"), 0, "", false, false},
	} {
		status, message, ok := statusOf(tc.err)
		if status != tc.status || message != tc.message || ok != tc.ok {
			t.Errorf("%s: %d %q %v, want %d %q %v", tc.name, status, message, ok, tc.status, tc.message, tc.ok)
		}
		if _, on := onForm(tc.err); on != tc.onForm {
			t.Errorf("%s: on the form %v, want %v", tc.name, on, tc.onForm)
		}
	}
}

// TestAFormShowsItsRefusal: a refusal about a field marks that field, one
// about the state is the form's problem, and what the person may not see
// or do is left to the error page.
func TestAFormShowsItsRefusal(t *testing.T) {
	f := Form{Values: map[string]string{}, Errors: map[string]string{}}
	if !f.Refuse(refusal.New(refusal.Conflict, "r", "m.taken").On("email")) || f.Errors["email"] != "m.taken" {
		t.Errorf("a field's refusal: %v", f.Errors)
	}
	if !f.Refuse(refusal.New(refusal.Conflict, "r", "m.full")) || f.Problem != "m.full" {
		t.Errorf("the form's problem: %q", f.Problem)
	}
	if f.Refuse(refusal.New(refusal.Forbidden, "r", "m.no")) || f.Refuse(errors.New("disk full")) || f.Refuse(nil) {
		t.Error("a refusal of access or a failure was put on the form")
	}
}
