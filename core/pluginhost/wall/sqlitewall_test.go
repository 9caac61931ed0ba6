package wall

import (
	"path/filepath"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/store"
)

// TestSQLiteAuthorizerOfMigrationsAndCalls: a plugin's migrations may
// rename its tables and columns and drop columns (SQLite's ALTER reads the
// temporary schema, which holds nothing of anyone's); its calls may not,
// and may not rewrite the record of migrations either, which would have
// the migrations run again over its rows.
func TestSQLiteAuthorizerOfMigrationsAndCalls(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := config.Default().Database
	cfg.URL = "file:" + filepath.Join(dir, "atrium.db")
	db, err := store.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	path := filepath.Join(dir, "x.db")
	migrations, err := db.OpenFile(store.SQLiteFile{Path: path, MaxConns: 1, Authorize: authorize("x", true)})
	if err != nil {
		t.Fatal(err)
	}
	defer migrations.Close()
	calls, err := db.OpenFile(store.SQLiteFile{Path: path, MaxConns: 1, Authorize: authorize("x", false)})
	if err != nil {
		t.Fatal(err)
	}
	defer calls.Close()
	for _, q := range []string{
		"CREATE TABLE x_migrations (name TEXT PRIMARY KEY)",
		"INSERT INTO x_migrations (name) VALUES ('one')",
		"CREATE TABLE x_t (id INTEGER PRIMARY KEY, organisation_id INTEGER, a TEXT, b TEXT)",
		"ALTER TABLE x_t RENAME COLUMN a TO c",
		"ALTER TABLE x_t DROP COLUMN b",
		"ALTER TABLE x_t RENAME TO x_u",
	} {
		if _, err := migrations.Exec(q); err != nil {
			t.Errorf("a migration's %s: %v", q, err)
		}
	}
	for _, q := range []string{
		"ALTER TABLE x_u RENAME COLUMN c TO d",
		"ALTER TABLE x_u DROP COLUMN c",
		"DELETE FROM x_migrations",
		"INSERT INTO x_migrations (name) VALUES ('two')",
		"UPDATE x_migrations SET name = 'three'",
	} {
		if _, err := calls.Exec(q); err == nil {
			t.Errorf("a call's %s was allowed", q)
		}
	}
	if _, err := calls.Exec("INSERT INTO x_u (organisation_id, c) VALUES (1, 'kept')"); err != nil {
		t.Errorf("a call's own row: %v", err)
	}
}
