package store_test

import (
	"strings"
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
	// A value with many semicolons (an event's escaped "\;") is one
	// statement; a second statement after it is still found; a text whose
	// semicolons would take too long to read is refused.
	value := "'" + strings.Repeat(`a\; `, 200) + strings.Repeat("x", 100_000) + "'"
	if !store.OneStatement("INSERT INTO t (d) VALUES (" + value + ")") {
		t.Error("a value with 200 semicolons was refused")
	}
	if store.OneStatement("INSERT INTO t (d) VALUES (" + value + "); DELETE FROM t") {
		t.Error("a second statement after a value with 200 semicolons passed")
	}
	if store.OneStatement("SELECT '" + strings.Repeat("x", 200_000) + strings.Repeat(";", 1000) + "'") {
		t.Error("1,000 semicolons after 200,000 bytes were read")
	}
}
