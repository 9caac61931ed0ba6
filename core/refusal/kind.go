package refusal

// Kind is what a refusal is; it decides how the web answers it, in one
// place (core/web's mapping), so no handler maps errors to statuses itself.
type Kind int

// The kinds of refusal.
const (
	// Invalid input: the form shows again, filled in and explained (422).
	Invalid Kind = iota
	// NotFound: as if it did not exist, also for what the actor may not
	// know exists (404).
	NotFound
	// Forbidden: it exists, and the actor may not do this (403).
	Forbidden
	// Conflict: the input is fine but the state forbids it (a full
	// subscription, the last administrator, a handled task); on a form it
	// is a problem of the whole form (422), elsewhere a page (409).
	Conflict
	// TooMany: again later (429).
	TooMany
)

// Error is a refusal: its kind, the reason (for logs and tests, never
// shown), the message id that explains it to the person ("" for the
// status's own words), and the form field it concerns, if one.
type Error struct {
	Kind    Kind
	Reason  string
	Message string
	Field   string
}

func (e *Error) Error() string { return e.Reason }

// New is a refusal of a kind, with its reason and the message id that
// explains it.
func New(kind Kind, reason, message string) *Error {
	return &Error{Kind: kind, Reason: reason, Message: message}
}

// On is the refusal about one form field (the address already taken).
func (e *Error) On(field string) *Error {
	out := *e
	out.Field = field
	return &out
}

// Is lets a refusal about a field match the refusal it was made from.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Reason == e.Reason
}
