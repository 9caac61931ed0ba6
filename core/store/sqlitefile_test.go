package store_test

import (
	"testing"

	"github.com/atriumhq/atrium/core/store"
)

// TestOneStatementAsSQLiteReadsIt: the plugin wall's lexer knew only
// '…', "…", -- and /* */, so a second statement hid behind a bracket or a
// backtick. SQLite itself now says where a statement ends.
func TestOneStatementAsSQLiteReadsIt(t *testing.T) {
	for text, want := range map[string]bool{
		"SELECT 1":                 true,
		"SELECT 1;":                true,
		"SELECT 1; -- done":        true,
		"SELECT 1; /* c */ ":       true,
		"SELECT ';'":               true,
		`SELECT "a;b" FROM t`:      true,
		"SELECT 1; ;":              true,
		"SELECT 1; SELECT 2":       false,
		"SELECT 1;\nDELETE FROM t": false,
		"SELECT 1 AS [a']; UPDATE users SET x = 1; --'":                                                     false,
		"SELECT 1 AS `a'`; DELETE FROM users; --'":                                                          false,
		"SELECT 1 /* ; */; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c": false,
	} {
		if got := store.OneStatement(text); got != want {
			t.Errorf("%q: %v, want %v", text, got, want)
		}
	}
}
