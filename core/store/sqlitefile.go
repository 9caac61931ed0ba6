package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLiteFile is a SQLite database of its own beside the installation's (a
// plugin's), every connection of which SQLite's authorizer guards.
type SQLiteFile struct {
	Path     string
	MaxConns int
	// MaxBytes bounds the file (max_page_count, of 4 KiB pages); 0 leaves it.
	MaxBytes int64
	// Authorize decides every action a statement would take, as SQLite
	// compiles it; nil allows everything (the host's own connections).
	Authorize sqlite.AuthorizerFn
	// IdleTimeout closes a connection unused for that long (0 keeps it), so
	// many files opened now and then hold no file handles between uses.
	IdleTimeout time.Duration
}

// OpenFile opens the file with the installation's SQLite settings, in
// defensive mode (no writing to the schema behind SQLite's back) and with
// trusted_schema off (no function in a view or trigger that is not
// innocuous).
func (d *DB) OpenFile(f SQLiteFile) (*bun.DB, error) {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o750); err != nil {
		return nil, fmt.Errorf("database: cannot create the folder for %s (%v)", f.Path, err)
	}
	params := url.Values{}
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", d.cfg.BusyTimeout.Milliseconds()))
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Add("_pragma", "trusted_schema(0)")
	if f.MaxBytes > 0 {
		params.Add("_pragma", "page_size(4096)")
		params.Add("_pragma", fmt.Sprintf("max_page_count(%d)", f.MaxBytes/4096))
		// The write-ahead log is not counted in the pages: after each
		// checkpoint it shrinks back to this.
		params.Add("_pragma", "journal_size_limit(67108864)")
	}
	params.Set("_txlock", "immediate")
	params.Set("_defensive", "1")
	dsn := "file:" + f.Path + "?" + params.Encode()
	drv := &sqlite.Driver{}
	if f.Authorize != nil {
		drv.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, _ string) error {
			r, ok := conn.(sqlite.AuthorizerRegisterer)
			if !ok {
				return fmt.Errorf("store: the SQLite driver has no authorizer")
			}
			return r.RegisterAuthorizer(f.Authorize)
		})
	}
	sqldb := sql.OpenDB(fileConnector{drv: drv, dsn: dsn})
	sqldb.SetMaxOpenConns(f.MaxConns)
	sqldb.SetMaxIdleConns(f.MaxConns)
	sqldb.SetConnMaxIdleTime(f.IdleTimeout)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

type fileConnector struct {
	drv *sqlite.Driver
	dsn string
}

func (c fileConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c fileConnector) Driver() driver.Driver                        { return c.drv }

// LimitRows bounds what a connection's statements make or return: each
// string or blob to bytes (SQLITE_LIMIT_LENGTH) and each row to columns
// (SQLITE_LIMIT_COLUMN), so a result row is at most about bytes×columns.
func LimitRows(conn *sql.Conn, bytes, columns int) error {
	if _, err := sqlite.Limit(conn, sqliteLimitLength, bytes); err != nil {
		return err
	}
	_, err := sqlite.Limit(conn, sqliteLimitColumn, columns)
	return err
}

const (
	sqliteLimitLength = 0 // SQLITE_LIMIT_LENGTH
	sqliteLimitColumn = 2 // SQLITE_LIMIT_COLUMN
)

// OneStatement tells whether text holds at most one SQL statement, as
// SQLite itself reads it: sqlite3_complete finds where the first statement
// ends, and whatever follows is compiled (never run) by SQLite on an empty
// database that refuses every action, which fails at once for any
// statement and passes blanks, comments and semicolons. Brackets,
// backticks, quotes and comments are SQLite's to judge, not a lexer's.
func OneStatement(text string) bool {
	// Each semicolon costs a reading of the text up to it: a statement whose
	// semicolons would have SQLite read more than scanBudget bytes in all is
	// refused rather than read again and again. Semicolons in values count
	// too (bun writes values into the text): a calendar event's escaped
	// "\;" are common, and a count of 32 refused real ones.
	scanned := 0
	tls := libc.NewTLS()
	defer tls.Close()
	for i := 0; i < len(text); i++ {
		if text[i] != ';' {
			continue
		}
		if scanned += i + 1; scanned > scanBudget {
			return false
		}
		cs, err := libc.CString(text[:i+1])
		if err != nil {
			return false
		}
		complete := sqlite3.Xsqlite3_complete(tls, cs) != 0
		libc.Xfree(tls, cs)
		if complete {
			return blank(text[i+1:])
		}
	}
	return true
}

// scanBudget bounds what OneStatement has SQLite read: 64 MiB, some
// milliseconds, whatever the semicolons (256 of them at the end of a
// 256 KiB text, thousands in a short one).
const scanBudget = 64 << 20

// blankDB compiles text that should hold no statement; its authorizer
// refuses everything, so nothing it is given ever runs.
var blankDB = sync.OnceValue(func() *sql.DB {
	drv := &sqlite.Driver{}
	drv.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, _ string) error {
		return conn.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(func(sqlite.AuthorizerActionCode, string, string, string, string) sqlite.AuthorizerReturnCode {
			return sqlite.AuthorizerDeny
		})
	})
	db := sql.OpenDB(fileConnector{drv: drv, dsn: "file:blank?mode=memory"})
	db.SetMaxOpenConns(2)
	return db
})

func blank(text string) bool {
	_, err := blankDB().Exec(text)
	return err == nil
}

// Path is the SQLite database's file ("" in memory or on PostgreSQL).
func (d *DB) Path() string {
	if d.Kind != "sqlite" {
		return ""
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(d.cfg.URL, "file:"), "?")
	if path == ":memory:" || strings.Contains(d.cfg.URL, "mode=memory") {
		return ""
	}
	return path
}

// Dir is the folder of the SQLite database's file ("" when there is none).
func (d *DB) Dir() string {
	if p := d.Path(); p != "" {
		return filepath.Dir(p)
	}
	return ""
}
