package wall

import "errors"

// Errors of a refused statement. Each refusal is logged with the plugin's name.
var (
	errManyStatements = errors.New("one statement per call")
	errNotOwned       = errors.New("the statement touches what the plugin does not own")
	errNoScope        = errors.New("a statement runs for an organisation's call")
)
