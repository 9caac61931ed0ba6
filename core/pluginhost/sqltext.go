package pluginhost

import (
	"errors"
	"strings"
	"unicode"
)

// Errors of a refused statement. Each refusal is logged with the plugin's name.
var (
	errManyStatements = errors.New("one statement per call")
	errStatementKind  = errors.New("only SELECT, INSERT, UPDATE, DELETE and WITH outside migrations")
	errNotOwned       = errors.New("the statement touches tables the plugin does not own")
)

// singleStatement reports whether text holds one statement: no ";" outside
// string literals, quoted identifiers and comments, except at the very end.
func singleStatement(text string) bool {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for ; j < len(text); j++ {
				if text[j] == c {
					if j+1 < len(text) && text[j+1] == c { // doubled quote inside
						j++
						continue
					}
					break
				}
			}
			i = j
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return false
			}
			i += end + 3
		case c == ';':
			return strings.TrimSpace(text[i+1:]) == ""
		}
	}
	return true
}

// firstWord is a statement's keyword in upper case.
func firstWord(text string) string {
	text = strings.TrimLeftFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == '(' })
	end := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(text)
	}
	return strings.ToUpper(text[:end])
}

// allowedKind checks a statement's keyword: data statements always, schema
// statements only in migrations.
func allowedKind(text string, migrating bool) bool {
	switch firstWord(text) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	case "CREATE", "ALTER", "DROP":
		return migrating
	}
	return false
}
