package wall

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"
	"modernc.org/sqlite"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/store"
)

// On SQLite each plugin has database files of its own beside the
// installation's: one per organisation (plugins/<name>/<organisation>.db)
// holding that organisation's rows of the plugin's tables, and its schema
// file (plugins/<name>.db), where its migrations run first and which holds
// no organisation's rows. The core's tables, other plugins' tables, other
// organisations' rows and the core's write lock are out of a call's reach
// by construction: a call's statements run in its organisation's file
// only. Every connection a plugin's statements run on is guarded by
// SQLite's authorizer, which sees every action of every statement as
// SQLite compiles it, inside triggers and views too: reading and writing
// the file's tables, nothing else (no ATTACH, no PRAGMA, no function that
// reaches outside, no temporary object); schema actions only while the
// plugin migrates, and then only tables and indexes. One statement per
// call, as SQLite's tokenizer reads it; defensive mode and trusted_schema
// off; values bounded in size; the call's deadline interrupts a statement
// from the host's side.

const (
	// maxValueBytes and maxColumns bound a result row on SQLite (which
	// builds no record of it to measure): at most 64 values of 1 MiB.
	maxValueBytes = 1 << 20
	maxColumns    = 64
	// maxFileBytes bounds each of a plugin's files (max_page_count), so one
	// organisation's use of a plugin cannot fill the disk the installation's
	// database is on.
	maxFileBytes = 1 << 30
)

// deniedFunctions reach outside the database or load code.
var deniedFunctions = map[string]bool{"load_extension": true, "fts3_tokenizer": true, "readfile": true, "writefile": true, "edit": true}

// authorize is the authorizer of a plugin's connections: what its calls
// may do, and with migrating what its migrations may do besides.
func authorize(plugin string, migrating bool) sqlite.AuthorizerFn {
	own := func(name string) bool { return strings.HasPrefix(strings.ToLower(name), plugin+"_") }
	return func(action sqlite.AuthorizerActionCode, arg1, arg2, database, _ string) sqlite.AuthorizerReturnCode {
		if database == "temp" {
			// SQLite's ALTER TABLE reads and rewrites the temporary schema
			// for objects naming the table; a plugin can make none there.
			if migrating && (action == sqlite.AuthRead || action == sqlite.AuthUpdate) && arg1 == "sqlite_temp_master" {
				return sqlite.AuthorizerOK
			}
			return sqlite.AuthorizerDeny
		}
		switch action {
		case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthTransaction, sqlite.AuthSavepoint, sqlite.AuthRecursive:
			return sqlite.AuthorizerOK
		case sqlite.AuthInsert, sqlite.AuthUpdate, sqlite.AuthDelete:
			switch {
			case strings.EqualFold(arg1, plugin+"_migrations") && !migrating:
				// The record of migrations is the migrations' alone, as on
				// PostgreSQL: a call that rewrote it would have them run again.
			case own(arg1):
				return sqlite.AuthorizerOK
			case migrating && (arg1 == "sqlite_master" || arg1 == "sqlite_schema" || arg1 == "sqlite_sequence"):
				return sqlite.AuthorizerOK // SQLite's own bookkeeping of a CREATE or DROP
			}
		case sqlite.AuthFunction:
			if !deniedFunctions[strings.ToLower(arg2)] {
				return sqlite.AuthorizerOK
			}
		case sqlite.AuthCreateTable, sqlite.AuthDropTable:
			if migrating && (own(arg1) || arg1 == "sqlite_sequence") { // the latter made for AUTOINCREMENT
				return sqlite.AuthorizerOK
			}
		case sqlite.AuthAlterTable: // arg1 names the database, arg2 the table
			if migrating && own(arg2) {
				return sqlite.AuthorizerOK
			}
		case sqlite.AuthCreateIndex, sqlite.AuthDropIndex:
			if migrating && own(arg2) {
				return sqlite.AuthorizerOK
			}
		case sqlite.AuthDropTrigger: // the host's guards go with a table the migration drops
			if migrating && own(arg2) {
				return sqlite.AuthorizerOK
			}
		case sqlite.AuthReindex: // SQLite asks when a new index is filled
			if migrating && own(arg1) {
				return sqlite.AuthorizerOK
			}
		case sqlite.AuthPragma:
			// The migration tool asks about tables; nothing sets anything.
			if migrating && arg2 == "" && (arg1 == "table_info" || arg1 == "index_list" || arg1 == "table_xinfo") {
				return sqlite.AuthorizerOK
			}
		}
		return sqlite.AuthorizerDeny
	}
}

// prepareSQLite opens a plugin's schema file, moving its tables there from
// the installation's database where an earlier layout kept them, and each
// organisation's rows from there into that organisation's file.
func (w *Wall) prepareSQLite(ctx context.Context, plugin string) (*sqlitePlugin, error) {
	dir := w.db.Dir()
	if dir == "" {
		return nil, fmt.Errorf("plugin database: plugins need SQLite in a file, not in memory")
	}
	sp := &sqlitePlugin{plugin: plugin, db: w.db, dir: filepath.Join(dir, "plugins", plugin), files: map[int64]*orgFile{}, broken: map[int64]error{}}
	var err error
	if sp.schema, err = sp.open(filepath.Join(dir, "plugins", plugin+".db"), 0, true); err != nil {
		return nil, err
	}
	// The earlier layouts are left once, when the organisations' folder is
	// made: rows a migration writes into the schema file later are no
	// organisation's and go nowhere.
	if _, err := os.Stat(sp.dir); errors.Is(err, os.ErrNotExist) {
		err := w.moveEarlierSQLiteTables(ctx, plugin, sp.schema)
		if err == nil {
			err = sp.splitRows(ctx)
		}
		if err == nil {
			err = os.MkdirAll(sp.dir, 0o750)
		}
		if err != nil {
			sp.close()
			return nil, err
		}
	}
	return sp, nil
}

// moveEarlierSQLiteTables moves a plugin's tables, their indexes and rows
// from the installation's database into the plugin's schema file (which
// splitRows then shares out), in one transaction of the file's with the
// installation's attached.
func (w *Wall) moveEarlierSQLiteTables(ctx context.Context, plugin string, schema *orgFile) error {
	// An earlier layout of the plugin's left its migrations table; without
	// it, tables named like the plugin are the core's (MayUseName refuses
	// such a plugin anyway).
	if ok, err := w.db.TableExists(ctx, plugin+"_migrations"); err != nil || !ok || reservedIDs[plugin] {
		return err
	}
	var objects []struct {
		Type, Name, SQL string
	}
	if err := w.db.NewRaw(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name LIKE ? ESCAPE '!' AND sql IS NOT NULL ORDER BY type = 'index', rowid`,
		plugin+"!_%").Scan(ctx, &objects); err != nil {
		return err
	}
	if len(objects) == 0 {
		return nil
	}
	conn, err := schema.host.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS installation", w.db.Path()); err != nil {
		return fmt.Errorf("plugin database: moving %s's tables: %w", plugin, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE installation") //nolint:errcheck
	return conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, o := range objects {
			// database/sql, not bun: the plugin's text may hold a question mark.
			if _, err := tx.Tx.ExecContext(ctx, o.SQL); err != nil {
				return fmt.Errorf("plugin database: moving %s: %w", o.Name, err)
			}
			if o.Type == "table" {
				cols, err := storedColumns(ctx, w.db, o.Name)
				if err != nil {
					return err
				}
				q := fmt.Sprintf(`INSERT INTO main.%[1]s (%[2]s) SELECT %[2]s FROM installation.%[1]s`, quoteIdent(o.Name), cols)
				if _, err := tx.Tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("plugin database: moving %s: %w", o.Name, err)
				}
			}
		}
		for _, o := range objects {
			if o.Type == "table" {
				if _, err := tx.ExecContext(ctx, "DROP TABLE installation."+quoteIdent(o.Name)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// sqliteConn takes a connection of the file of the call's organisation
// (its migration pool while it migrates), with values bounded in size.
func (w *Wall) sqliteConn(ctx context.Context, sp *sqlitePlugin, sc *calls.Scope) (bun.Conn, error) {
	f, err := sp.file(ctx, sc.OrgID)
	if err != nil {
		return bun.Conn{}, err
	}
	if sc.OrgID == 0 && !sc.Migrating {
		return bun.Conn{}, &wallError{errNoScope}
	}
	conn, err := f.take(ctx, sc)
	if err != nil {
		return conn, err
	}
	if err := store.LimitRows(conn.Conn, maxValueBytes, maxColumns); err != nil {
		conn.Close()
		return conn, err
	}
	return conn, nil
}

// releaseSQLite ends a standalone statement's use of a connection: a
// transaction or savepoint the statement opened (BEGIN on its own) is
// rolled back, so it never holds the file's lock past the call.
func releaseSQLite(conn bun.Conn) {
	_, _ = conn.Conn.ExecContext(context.Background(), "ROLLBACK") // "no transaction is active" most times
	conn.Close()
}

// sqlite is a plugin's side of the wall on SQLite; nil before it was prepared.
func (w *Wall) sqlite(plugin string) *sqlitePlugin {
	w.pgMu.Lock()
	defer w.pgMu.Unlock()
	return w.lite[plugin]
}

// setSQLite keeps a plugin's newly prepared side, closing the one before.
func (w *Wall) setSQLite(plugin string, sp *sqlitePlugin) {
	w.pgMu.Lock()
	old := w.lite[plugin]
	if w.lite == nil {
		w.lite = map[string]*sqlitePlugin{}
	}
	w.lite[plugin] = sp
	w.pgMu.Unlock()
	if old != nil {
		old.close()
	}
}
