package refusal

import (
	"errors"
	"fmt"
	"testing"
)

// TestARefusalAboutAFieldIsStillTheRefusal: On names a field without
// making another refusal of it (errors.Is still finds it, wrapped too),
// and leaves the refusal it came from as it was.
func TestARefusalAboutAFieldIsStillTheRefusal(t *testing.T) {
	taken := New(Conflict, "test: the address is taken", "test.taken")
	other := New(Conflict, "test: something else", "test.taken")
	onEmail := taken.On("email")
	for _, tc := range []struct {
		name string
		err  error
		is   error
		want bool
	}{
		{"the same", taken, taken, true},
		{"about a field", onEmail, taken, true},
		{"wrapped", fmt.Errorf("inviting: %w", onEmail), taken, true},
		{"another reason", other, taken, false},
		{"another kind", New(Invalid, taken.Reason, taken.Message), taken, false},
		{"no refusal", errors.New("test: the address is taken"), taken, false},
	} {
		if got := errors.Is(tc.err, tc.is); got != tc.want {
			t.Errorf("%s: errors.Is = %v, want %v", tc.name, got, tc.want)
		}
	}
	if taken.Field != "" || onEmail.Field != "email" || onEmail.Message != "test.taken" {
		t.Errorf("On changed the refusal or lost its words: %+v %+v", taken, onEmail)
	}
	if onEmail.Error() != taken.Reason {
		t.Errorf("the reason: %q", onEmail.Error())
	}
}

// TestFieldsKeepTheFirstProblem: a field refused twice keeps the first
// message, and OrNil is nil until something is refused.
func TestFieldsKeepTheFirstProblem(t *testing.T) {
	var f Fields
	if f.OrNil() != nil {
		t.Fatal("an empty refusal is an error")
	}
	f.Add("name", "first")
	f.Add("name", "second")
	f.Add("email", "taken")
	if f.FieldErrors()["name"] != "first" || len(f.FieldErrors()) != 2 || f.OrNil() == nil {
		t.Errorf("fields: %v", f.FieldErrors())
	}
	if got := Of("x", "y").Error(); got != "refused: [x]" {
		t.Errorf("the reason names the fields: %q", got)
	}
}
