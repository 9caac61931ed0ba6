// Package store owns the connection to the database: it opens SQLite (the
// embedded default) or PostgreSQL through bun, turns connection failures into
// one clear line, and runs the versioned migrations that domain packages own.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/atriumhq/atrium/core/config"
)

// DB is the database handle every domain service receives.
type DB struct {
	*bun.DB
	// Kind is "sqlite" or "postgres".
	Kind string
	cfg  config.Database
}

// Open connects to the database the configuration names and checks that it
// answers. Errors are one line saying what to do next.
func Open(ctx context.Context, cfg config.Database) (*DB, error) {
	kind, err := cfg.Kind()
	if err != nil {
		return nil, err
	}
	var db *bun.DB
	switch kind {
	case "sqlite":
		db, err = openSQLite(cfg)
	case "postgres":
		db, err = openPostgres(cfg)
	}
	if err != nil {
		return nil, err
	}
	s := &DB{DB: db, Kind: kind, cfg: cfg}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, s.explain(err)
	}
	return s, nil
}

// Ping checks that the database answers, for /readyz.
func (s *DB) Ping(ctx context.Context) error { return s.DB.PingContext(ctx) }

func openSQLite(cfg config.Database) (*bun.DB, error) {
	path := strings.TrimPrefix(cfg.URL, "file:")
	path, query, _ := strings.Cut(path, "?")
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("database: cannot create the folder for %s (%v); check database.url and the folder's permissions", path, err)
		}
	}
	// WAL lets readers work while one writer writes; busy_timeout makes a writer
	// wait for the lock instead of failing; _txlock=immediate takes the write
	// lock at BEGIN, so two transactions never deadlock upgrading a read lock.
	params := url.Values{}
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.BusyTimeout.Milliseconds()))
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + params.Encode()
	if query != "" {
		dsn += "&" + query
	}
	sqldb, err := sql.Open(sqliteshim.ShimName, dsn)
	if err != nil {
		return nil, err
	}
	// One SQLite file takes one writer at a time; a handful of connections
	// serves concurrent readers without queueing writers behind each other.
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	sqldb.SetConnMaxIdleTime(0)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

func openPostgres(cfg config.Database) (*bun.DB, error) {
	sqldb, err := sql.Open("pgx", cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("database: %s is not a usable PostgreSQL address (%v); check database.url", cfg.Redacted(), err)
	}
	sqldb.SetMaxOpenConns(cfg.MaxOpenConns)
	sqldb.SetMaxIdleConns(cfg.MaxOpenConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" driver

// explain turns a failed first contact into advice.
func (s *DB) explain(err error) error {
	where := s.cfg.Redacted()
	var opErr *net.OpError
	switch {
	case s.Kind == "postgres" && (errors.As(err, &opErr) || errors.Is(err, syscall.ECONNREFUSED)):
		return fmt.Errorf("database: cannot reach PostgreSQL at %s (%s); start the server or fix database.url / ATRIUM_DATABASE_URL", where, lastPart(err))
	case s.Kind == "postgres":
		return fmt.Errorf("database: PostgreSQL at %s refused the connection (%s); check the user, password and database name in database.url", where, lastPart(err))
	default:
		return fmt.Errorf("database: cannot open the SQLite database %s (%s); check that the folder is writable or set database.url", where, lastPart(err))
	}
}

// lastPart keeps the innermost reason of a wrapped driver error.
func lastPart(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}

// UniqueViolation tells whether err is a unique index refusing a row, on
// PostgreSQL (SQLSTATE 23505) or SQLite: two requests writing the same
// key at once, where the loser should hear "taken", not see a 500.
func UniqueViolation(err error) bool {
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		return state.SQLState() == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Refused tells whether the engine refused a statement for want of a right
// (PostgreSQL's insufficient_privilege: a table, function or row-level
// policy the role may not use; SQLite's authorizer) or a name it cannot
// see (undefined_table; SQLite's "no such table").
func Refused(err error) bool {
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		switch state.SQLState() {
		case "42501", "42P01", "42883":
			return true
		}
	}
	// SQLite: its authorizer said no (SQLITE_AUTH), or the name is not in
	// the file the connection reaches.
	var code interface{ Code() int }
	if errors.As(err, &code) && code.Code()&0xff == 23 {
		return true
	}
	return err != nil && strings.Contains(err.Error(), "no such table")
}

// HoldRow holds one row (by its id) until the caller's transaction ends, on
// PostgreSQL: changes that read it and then write on its account queue
// instead of interleaving. It takes FOR NO KEY UPDATE, so that inserts
// whose foreign keys point at the row go on (a stronger lock would
// deadlock them). SQLite's writers take turns already.
func HoldRow(ctx context.Context, tx bun.IDB, table string, id int64) error {
	if tx.Dialect().Name() != dialect.PG {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT 1 FROM "+table+" WHERE id = ? FOR NO KEY UPDATE", id)
	return err
}

// ColumnExists tells whether a table has a column, on either engine, for a
// migration that must run on databases that may have it already.
func ColumnExists(ctx context.Context, tx bun.IDB, table, column string) (bool, error) {
	if tx.Dialect().Name() == dialect.PG {
		return tx.NewSelect().TableExpr("information_schema.columns").
			Where("table_schema = current_schema() AND table_name = ? AND column_name = ?", table, column).Exists(ctx)
	}
	var n int
	err := tx.NewRaw("SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?", table, column).Scan(ctx, &n)
	return n > 0, err
}

// Held makes a select hold the rows it finds until the caller's transaction
// ends, on PostgreSQL, as HoldRow does: a lookup by a value another
// transaction is changing (a sign-in address being confirmed) waits for it
// and then sees the row as it is, or not at all.
func Held(tx bun.IDB, q *bun.SelectQuery) *bun.SelectQuery {
	if tx.Dialect().Name() != dialect.PG {
		return q
	}
	return q.For("NO KEY UPDATE")
}

// RoleConn describes a pool of PostgreSQL connections that log in as
// another role (a plugin's) to the same database.
type RoleConn struct {
	Role, Password string
	MaxConns       int
	// Params are the connections' settings (search_path, timeouts).
	Params map[string]string
	// MaxMessage bounds each message the server sends (a row), in bytes.
	MaxMessage int
	// Connected runs once per new connection, with its server process id.
	Connected func(ctx context.Context, backendPID uint32) error
}

// OpenAs opens a pool as another role (PostgreSQL only). Statements use
// the extended protocol without a statement cache: one statement per
// call, parameters bound, and nothing prepared that a reset would drop.
func (d *DB) OpenAs(rc RoleConn) (*bun.DB, error) {
	if d.Kind != "postgres" {
		return nil, fmt.Errorf("store: roles are PostgreSQL's")
	}
	cc, err := pgx.ParseConfig(d.cfg.URL)
	if err != nil {
		return nil, err
	}
	cc.User, cc.Password = rc.Role, rc.Password
	cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	cc.StatementCacheCapacity, cc.DescriptionCacheCapacity = 0, 0
	cc.RuntimeParams = map[string]string{}
	for k, v := range rc.Params {
		cc.RuntimeParams[k] = v
	}
	if rc.MaxMessage > 0 {
		cc.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
			f := pgproto3.NewFrontend(r, w)
			f.SetMaxBodyLen(rc.MaxMessage)
			return f
		}
	}
	var opts []stdlib.OptionOpenDB
	if rc.Connected != nil {
		opts = append(opts, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
			return rc.Connected(ctx, c.PgConn().PID())
		}))
	}
	sqldb := stdlib.OpenDB(*cc, opts...)
	sqldb.SetMaxOpenConns(rc.MaxConns)
	sqldb.SetMaxIdleConns(rc.MaxConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// BackendPID is the server process id of a PostgreSQL connection, read
// from the connection itself (no round trip).
func BackendPID(conn *sql.Conn) (uint32, error) {
	var pid uint32
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: not a PostgreSQL connection")
		}
		pid = c.Conn().PgConn().PID()
		return nil
	})
	return pid, err
}
