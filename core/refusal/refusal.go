// Package refusal is how domain packages refuse input: the fields that were
// wrong, each with the message id that says why, so that a form shows again
// filled in and explained in the person's language, and nothing is saved.
package refusal

import (
	"fmt"
	"sort"
)

// Fields names refused fields with message ids.
type Fields struct{ Fields map[string]string }

func (e *Fields) Error() string {
	names := make([]string, 0, len(e.Fields))
	for name := range e.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return fmt.Sprintf("refused: %v", names)
}

// FieldErrors lets forms show each field's problem.
func (e *Fields) FieldErrors() map[string]string { return e.Fields }

// Add refuses a field, keeping its first problem.
func (e *Fields) Add(field, message string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, has := e.Fields[field]; !has {
		e.Fields[field] = message
	}
}

// OrNil is the refusal when it holds a problem, nil otherwise.
func (e *Fields) OrNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Of refuses one field.
func Of(field, message string) *Fields { return &Fields{Fields: map[string]string{field: message}} }
