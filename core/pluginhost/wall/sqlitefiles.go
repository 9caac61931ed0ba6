package wall

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"modernc.org/sqlite"

	"github.com/atriumhq/atrium/core/store"
)

// SQLite has no row-level security, so on SQLite the host keeps a plugin's
// calls to their organisation's rows by giving each organisation a file of
// its own: the call's statements run in that file and nowhere else. The
// plugin's migrations run in its schema file first, then in every
// organisation's file at start; an organisation's file is made at its first
// call from the schema file's tables and record of migrations. Triggers of
// the host's refuse a row of another organisation in a file, as
// PostgreSQL's policy does, so a plugin behaves alike on both.

// sqlitePlugin is one plugin's side of the wall on SQLite: its schema file
// and its organisations' files, each opened at its first use.
type sqlitePlugin struct {
	plugin string
	db     *store.DB
	dir    string // plugins/<name>/, the organisations' files
	schema *orgFile

	mu    sync.Mutex
	files map[int64]*orgFile
	// broken are the organisations whose file the plugin's migrations
	// failed in: their calls fail, every other organisation's go on.
	broken map[int64]error
}

// orgFile is one database file of a plugin's: an organisation's, or (org
// 0) the schema file.
type orgFile struct {
	path string
	org  int64
	// calls and migrations are guarded by the authorizer; migrations is
	// open only in the start that migrates the file. host is the host's own
	// (its checks and guards, tests).
	pools
	host *bun.DB
}

// fileIdle is how long a connection to a plugin's file stays open unused:
// an installation of many organisations holds handles of busy files only.
const fileIdle = time.Minute

// open opens a file of the plugin's, with a migration pool when migrating.
func (sp *sqlitePlugin) open(path string, org int64, migrating bool) (*orgFile, error) {
	f := &orgFile{path: path, org: org}
	var err error
	if f.host, err = sp.db.OpenFile(store.SQLiteFile{Path: path, MaxConns: 2, IdleTimeout: fileIdle}); err != nil {
		return nil, err
	}
	// One writer at a time in a SQLite file: a few connections for readers.
	if f.calls, err = sp.db.OpenFile(store.SQLiteFile{Path: path, MaxConns: pluginConns, MaxBytes: maxFileBytes, Authorize: authorize(sp.plugin, false), IdleTimeout: fileIdle}); err != nil {
		f.close()
		return nil, err
	}
	if migrating {
		if f.migrations, err = sp.db.OpenFile(store.SQLiteFile{Path: path, MaxConns: 1, MaxBytes: maxFileBytes, Authorize: authorize(sp.plugin, true)}); err != nil {
			f.close()
			return nil, err
		}
	}
	return f, nil
}

func (f *orgFile) close() {
	for _, db := range []*bun.DB{f.host, f.calls, f.migrations} {
		if db != nil {
			db.Close()
		}
	}
}

func (sp *sqlitePlugin) close() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	for _, f := range sp.files {
		f.close()
	}
	sp.files = map[int64]*orgFile{}
	if sp.schema != nil {
		sp.schema.close()
	}
}

func (sp *sqlitePlugin) orgPath(org int64) string {
	return filepath.Join(sp.dir, strconv.FormatInt(org, 10)+".db")
}

// file is the file of an organisation's rows (0: the schema file), made at
// its first use.
func (sp *sqlitePlugin) file(ctx context.Context, org int64) (*orgFile, error) {
	if org == 0 {
		return sp.schema, nil
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if err := sp.broken[org]; err != nil {
		return nil, err
	}
	if f := sp.files[org]; f != nil {
		return f, nil
	}
	f, err := sp.open(sp.orgPath(org), org, false)
	if err != nil {
		return nil, err
	}
	if err := sp.fill(ctx, f, false); err != nil {
		f.close()
		return nil, err
	}
	if err := sp.guard(ctx, f); err != nil {
		f.close()
		return nil, err
	}
	sp.files[org] = f
	return f, nil
}

// fail marks an organisation's file as one the plugin's migrations failed
// in, until the plugin starts again.
func (sp *sqlitePlugin) fail(org int64, err error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.broken[org] = &wallError{fmt.Errorf("the plugin's migrations failed in this organisation's file; the operator's log says why: %w", err)}
}

// openForMigrations opens the file of every organisation there is that has
// one, for the plugin's migrations to run in each, and says whose they are.
func (sp *sqlitePlugin) openForMigrations(ctx context.Context) ([]int64, error) {
	entries, err := os.ReadDir(sp.dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var found []int64
	for _, e := range entries {
		org, err := strconv.ParseInt(strings.TrimSuffix(e.Name(), ".db"), 10, 64)
		if err == nil && org > 0 && strings.HasSuffix(e.Name(), ".db") { // not the files' -wal and -shm
			found = append(found, org)
		}
	}
	// The file of an organisation no longer there is left alone.
	orgs, err := sp.existing(ctx, found)
	if err != nil {
		return nil, err
	}
	for _, org := range orgs {
		f, err := sp.open(sp.orgPath(org), org, true)
		if err != nil {
			return nil, err
		}
		if err := sp.fill(ctx, f, false); err != nil { // one a crash left unfilled
			f.close()
			return nil, err
		}
		sp.mu.Lock()
		sp.files[org] = f
		sp.mu.Unlock()
	}
	return orgs, nil
}

// existing are those of ids that name an organisation, in order: a file is
// made or migrated for an organisation the core has, never for an id a
// plugin wrote into its rows.
func (sp *sqlitePlugin) existing(ctx context.Context, ids []int64) ([]int64, error) {
	var orgs []int64
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		var some []int64
		if err := sp.db.NewSelect().Table("organisations").Column("id").Where("id IN (?)", bun.List(batch)).Scan(ctx, &some); err != nil {
			return nil, err
		}
		orgs = append(orgs, some...)
	}
	slices.Sort(orgs)
	return orgs, nil
}

// upToDate tells whether an organisation's file has had every migration
// the schema file has: then the plugin need not be asked to migrate it.
// Without the SDK's record of migrations the plugin is always asked.
func (sp *sqlitePlugin) upToDate(ctx context.Context, f *orgFile) bool {
	record := func(db *bun.DB) ([]string, error) {
		var names []string
		err := db.NewRaw("SELECT name FROM "+quoteIdent(sp.plugin+"_migrations")+" ORDER BY name").Scan(ctx, &names)
		return names, err
	}
	want, err1 := record(sp.schema.host)
	have, err2 := record(f.host)
	return err1 == nil && err2 == nil && slices.Equal(want, have) // no record: ask the plugin
}

// fill gives a new file the plugin's tables and indexes as the schema file
// has them and the record of the migrations that made them, with rows the
// organisation's rows the schema file holds from an earlier layout, all in
// one transaction; user_version marks a file filled. The statements that
// make the tables are the plugin's (its migrations wrote them), so they run
// under the migrations' authorizer.
func (sp *sqlitePlugin) fill(ctx context.Context, f *orgFile, rows bool) error {
	var version int
	if err := f.host.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil || version > 0 {
		return err
	}
	migrating := authorize(sp.plugin, true)
	db, err := sp.db.OpenFile(store.SQLiteFile{Path: f.path, MaxConns: 1, MaxBytes: maxFileBytes,
		Authorize: func(action sqlite.AuthorizerActionCode, arg1, arg2, database, trigger string) sqlite.AuthorizerReturnCode {
			switch {
			case action == sqlite.AuthAttach && arg1 == sp.schema.path, action == sqlite.AuthDetach && arg1 == "schema",
				action == sqlite.AuthPragma && arg1 == "user_version":
				return sqlite.AuthorizerOK
			}
			return migrating(action, arg1, arg2, database, trigger)
		}})
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The file's name written out, so the authorizer sees which it is;
	// database/sql, not bun: the plugin's text may hold a question mark.
	attach := "ATTACH DATABASE '" + strings.ReplaceAll(sp.schema.path, "'", "''") + "' AS schema"
	if _, err := conn.Conn.ExecContext(ctx, attach); err != nil {
		return fmt.Errorf("plugin database: filling %s: %w", f.path, err)
	}
	defer conn.Conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE schema") //nolint:errcheck
	var objects []struct {
		Type, Name, SQL string
	}
	if err := conn.NewRaw(`SELECT type, name, sql FROM schema.sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL
		AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY type = 'index', rowid`).Scan(ctx, &objects); err != nil {
		return err
	}
	tx, err := conn.Conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	for _, o := range objects {
		if _, err := tx.ExecContext(ctx, o.SQL); err != nil {
			return fmt.Errorf("plugin database: making %s in %s: %w", o.Name, f.path, err)
		}
		copyRows, args := "", []any{}
		switch {
		case o.Type != "table":
		case o.Name == sp.plugin+"_migrations":
			copyRows = `INSERT INTO main.%[1]s (%[2]s) SELECT %[2]s FROM schema.%[1]s`
		case rows:
			copyRows, args = `INSERT INTO main.%[1]s (%[2]s) SELECT %[2]s FROM schema.%[1]s WHERE organisation_id = ?`, []any{f.org}
		}
		if copyRows != "" {
			cols, err := storedColumns(ctx, sp.schema.host, o.Name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(copyRows, quoteIdent(o.Name), cols), args...); err != nil {
				return fmt.Errorf("plugin database: filling %s in %s: %w", o.Name, f.path, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = 1"); err != nil {
		return err
	}
	return tx.Commit()
}

// storedColumns lists a table's columns that hold values, quoted, for an
// INSERT … SELECT of its rows: generated columns are computed again.
func storedColumns(ctx context.Context, db bun.IDB, table string) (string, error) {
	var names []string
	if err := db.NewRaw(`SELECT name FROM pragma_table_xinfo(?) WHERE hidden NOT IN (2, 3) ORDER BY cid`, table).Scan(ctx, &names); err != nil {
		return "", err
	}
	for i, n := range names {
		names[i] = quoteIdent(n)
	}
	return strings.Join(names, ", "), nil
}

// splitRows shares out the rows an earlier layout kept in the schema file,
// every organisation's in one: each organisation's go into its own file (in
// one transaction there) and then leave the schema file.
func (sp *sqlitePlugin) splitRows(ctx context.Context) error {
	tables, err := sp.rowTables(ctx, sp.schema)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, t := range tables {
		var orgs []int64
		if err := sp.schema.host.NewRaw(fmt.Sprintf(`SELECT DISTINCT organisation_id FROM %s WHERE typeof(organisation_id) = 'integer' AND organisation_id > 0`,
			quoteIdent(t))).Scan(ctx, &orgs); err != nil {
			return err
		}
		for _, org := range orgs {
			seen[org] = true
		}
	}
	ids := make([]int64, 0, len(seen))
	for org := range seen {
		ids = append(ids, org)
	}
	// Rows of an id that is no organisation stay where they are.
	orgs, err := sp.existing(ctx, ids)
	if err != nil {
		return err
	}
	for _, org := range orgs {
		f, err := sp.open(sp.orgPath(org), org, false)
		if err != nil {
			return err
		}
		err = sp.fill(ctx, f, true)
		f.close()
		if err != nil {
			return err
		}
		for _, t := range tables {
			if _, err := sp.schema.host.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE organisation_id = ?`, quoteIdent(t)), org); err != nil {
				return err
			}
		}
	}
	return nil
}

// rowTables are a file's tables that hold rows of organisations: all but
// SQLite's own and the record of migrations.
func (sp *sqlitePlugin) rowTables(ctx context.Context, f *orgFile) ([]string, error) {
	var tables []string
	err := f.host.NewRaw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' AND name <> ?`,
		sp.plugin+"_migrations").Scan(ctx, &tables)
	return tables, err
}

// idsPerOrganisation spaces the ids of AUTOINCREMENT tables: in each
// organisation's file they begin at its id times this, so a plugin's ids
// stay unique across organisations, as a PostgreSQL sequence keeps them
// (and files can one day be brought together).
const idsPerOrganisation = 1_000_000_000

// guard checks a file's tables (every one belongs to an organisation: it
// has organisation_id) and keeps each to the file's organisation: the
// host's triggers refuse a row of another, and ids begin in its own range.
func (sp *sqlitePlugin) guard(ctx context.Context, f *orgFile) error {
	tables, err := sp.rowTables(ctx, f)
	if err != nil {
		return err
	}
	if f.org != 0 {
		base := f.org * idsPerOrganisation
		_, err := f.host.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) SELECT name, 0 FROM sqlite_master m
			WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence s WHERE s.name = m.name)`)
		if err == nil {
			_, err = f.host.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = ? WHERE seq < ?`, base, base)
		}
		if err != nil && !strings.Contains(err.Error(), "no such table: sqlite_sequence") { // no AUTOINCREMENT table
			return fmt.Errorf("plugin database: numbering in %s: %w", f.path, err)
		}
	}
	for _, t := range tables {
		var n int
		if err := f.host.NewRaw(`SELECT count(*) FROM pragma_table_info(?) WHERE name = 'organisation_id'`, t).Scan(ctx, &n); err != nil {
			return err
		}
		if n == 0 {
			return errNoOrganisation(t)
		}
		for _, op := range []string{"INSERT", "UPDATE"} {
			q := fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS %s BEFORE %s ON %s WHEN NEW.organisation_id IS NOT %d
				BEGIN SELECT RAISE(ABORT, 'a row of another organisation than the call''s'); END`,
				quoteIdent("atrium_"+strings.ToLower(op)+"_"+t), op, quoteIdent(t), f.org)
			if _, err := f.host.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("plugin database: guarding %s: %w", t, err)
			}
		}
	}
	return nil
}

// errMigrationsEnded refuses a migration's statement once its file's
// migrations are over.
var errMigrationsEnded = &wallError{errors.New("the plugin's migrations have ended")}
