package dossier

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// searchKey folds a name for search: lower case, accents taken off, only
// letters and digits kept ("Óscar-Lúcia" → "oscarlucia"). Dossiers keep the
// folded names in indexed columns, and a typed prefix is folded the same way,
// so that "mul" finds "Müller" with a range scan on either database.
func searchKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// prefixRange is the half-open range [from, to) of keys that start with
// prefix: every key that starts with "abc" sorts at or after "abc" and
// before "abd". Keys hold letters and digits only, so byte order and the
// databases' text order agree on them.
func prefixRange(prefix string) (from, to string) {
	r := []rune(prefix)
	r[len(r)-1]++
	return prefix, string(r)
}
