// Package wall is the database wall between plugins and the data: every
// statement a plugin sends runs here, on the plugin's own tables and the
// call's organisation's rows only, enforced by the engines themselves
// (PostgreSQL roles and row-level security, SQLite files and its
// authorizer). See docs/security.md for the threat model.
package wall

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// The database wall. A plugin never gets a database address: its SDK sends
// statements here, one at a time, named by the call's token. The host runs
// them only on the plugin's own tables (<plugin>_…) and the call's
// organisation's rows: on PostgreSQL as a role of the plugin's with
// row-level security keyed to the call's organisation (pgwall.go), on
// SQLite in the organisation's file of the plugin's, under SQLite's
// authorizer (sqlitewall.go, sqlitefiles.go).

// rowsPerBatch is how many rows travel in one message of a Query stream,
// and maxBatchBytes about how many bytes: a batch goes when either is
// reached, so a message stays within gRPC's 4 MiB and the host holds
// little (one row is at most maxRowBytes).
const (
	rowsPerBatch  = 1000
	maxBatchBytes = 1 << 20
	// maxResultRows bounds one result: a page reads fewer; more is paged.
	maxResultRows = 100_000
)

var errTooManyResultRows = &wallError{fmt.Errorf("a result holds at most %d rows: page through it (LIMIT and OFFSET, or keyset)", maxResultRows)}

// rowBytes is about what a row's values weigh.
func rowBytes(vals []any) int {
	n := 0
	for _, v := range vals {
		switch x := v.(type) {
		case string:
			n += len(x)
		case []byte:
			n += len(x)
		default:
			n += 8
		}
	}
	return n
}

// Service serves one plugin's database calls: Exec, Query, Begin, Commit
// and Rollback, each named by a live call's token.
type Service struct {
	pluginv1.UnimplementedHostServer
	Plugin string
	Calls  *calls.Registry
	Wall   *Wall
	Log    *slog.Logger
	// Statements counts the Exec and Query calls served.
	Statements *atomic.Int64
}

var errNoCall = status.Error(codes.PermissionDenied, "the token names no live call of this plugin")

// DBScope is the live call or migration a token names, for the database.
func (s *Service) DBScope(token string) (*calls.Scope, error) {
	sc := s.Calls.Find(s.Plugin, token)
	if sc == nil {
		s.Log.Warn("plugin host call refused: unknown token", "plugin", s.Plugin)
		return nil, errNoCall
	}
	return sc, nil
}

// Exec runs one statement that returns no rows.
func (s *Service) Exec(ctx context.Context, req *pluginv1.ExecRequest) (*pluginv1.ExecResponse, error) {
	s.Statements.Add(1)
	sc, err := s.DBScope(req.GetToken())
	if err != nil {
		return nil, err
	}
	args, err := pluginv1.Args(req.GetArgs())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	in, release, err := s.conn(req.GetToken(), req.GetTx())
	if err != nil {
		return nil, err
	}
	defer release()
	var res sql.Result
	err = s.Wall.run(ctx, s.Plugin, sc, in, req.GetSql(), func(ctx context.Context, db bun.IConn) error {
		var err error
		res, err = s.Wall.exec(ctx, db, req.GetSql(), args)
		return err
	})
	if err != nil {
		return nil, s.refused(err, req.GetSql())
	}
	out := &pluginv1.ExecResponse{}
	out.RowsAffected, _ = res.RowsAffected()
	out.LastInsertId, _ = res.LastInsertId()
	return out, nil
}

// Query runs one statement and streams its rows in batches.
func (s *Service) Query(req *pluginv1.QueryRequest, stream pluginv1.Host_QueryServer) error {
	s.Statements.Add(1)
	sc, err := s.DBScope(req.GetToken())
	if err != nil {
		return err
	}
	args, err := pluginv1.Args(req.GetArgs())
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	in, release, err := s.conn(req.GetToken(), req.GetTx())
	if err != nil {
		return err
	}
	defer release()
	err = s.Wall.run(stream.Context(), s.Plugin, sc, in, req.GetSql(), func(ctx context.Context, db bun.IConn) error {
		return s.Wall.queryBatches(ctx, db, req.GetSql(), args, rowsPerBatch, req.GetPacked(), stream.Send)
	})
	if err != nil {
		return s.refused(err, req.GetSql())
	}
	return nil
}

// queryBatches runs a query and hands its rows to send in batches of size,
// the first batch naming the columns; the last batch may be empty. Packed
// rows go as RowBatch.packed (an SDK of v1.6 and on asks so).
func (w *Wall) queryBatches(ctx context.Context, db bun.IConn, text string, args []any, size int, packed bool, send func(*pluginv1.RowBatch) error) error {
	rows, err := w.query(ctx, db, text, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	batch := &pluginv1.RowBatch{Columns: cols}
	held, total, inBatch := 0, 0, 0 // bytes of the batch (the host holds one at a time), rows of the result and of the batch
	for rows.Next() {
		if total++; total > maxResultRows {
			return errTooManyResultRows
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if packed {
			batch.Packed = pluginv1.AppendPacked(batch.Packed, vals)
		} else {
			batch.Rows = append(batch.Rows, &pluginv1.Row{Values: toValues(vals)})
		}
		held += rowBytes(vals)
		if inBatch++; inBatch == size || held >= maxBatchBytes {
			if err := send(batch); err != nil {
				return err
			}
			batch, held, inBatch = &pluginv1.RowBatch{}, 0, 0
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return send(batch)
}

// refused logs a refused or failed statement and answers the plugin.
func (s *Service) refused(err error, text string) error {
	var wallErr *wallError
	if errors.As(err, &wallErr) {
		s.Log.Warn("plugin statement refused", "plugin", s.Plugin, "reason", wallErr.reason.Error(), "sql", shorten(text))
		return status.Error(codes.PermissionDenied, wallErr.reason.Error())
	}
	if store.Refused(err) { // the engine's own refusal: no right on it
		s.Log.Warn("plugin statement refused", "plugin", s.Plugin, "reason", err.Error(), "sql", shorten(text))
		return status.Error(codes.PermissionDenied, err.Error())
	}
	s.Log.Info("plugin statement failed", "plugin", s.Plugin, "error", err.Error(), "sql", shorten(text))
	return status.Error(codes.Unknown, err.Error())
}

func shorten(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

type wallError struct{ reason error }

func (e *wallError) Error() string { return e.reason.Error() }

// wall runs plugin statements within their limits, each plugin on
// connections of its own: its PostgreSQL roles (pgwall.go) or its SQLite
// file (sqlitewall.go).
type Wall struct {
	db  *store.DB
	log *slog.Logger
	// key gives the plugins' roles their passwords (nil: a fresh one at
	// each start, which suits a single instance only).
	key *secrets.Box

	pgMu sync.Mutex
	pg   map[string]*pgPlugin
	lite map[string]*sqlitePlugin
}

// New returns the wall in front of the installation's database. key is
// the installation's key, shared by its instances.
func New(db *store.DB, log *slog.Logger, key *secrets.Box) *Wall {
	return &Wall{db: db, log: log, key: key}
}

// postgres is a plugin's side of the wall on PostgreSQL; nil before its
// first migration prepared it.
func (w *Wall) postgres(plugin string) *pgPlugin {
	w.pgMu.Lock()
	defer w.pgMu.Unlock()
	return w.pg[plugin]
}

// setPostgres keeps a plugin's newly prepared side, closing the one before.
func (w *Wall) setPostgres(plugin string, pp *pgPlugin) {
	w.pgMu.Lock()
	old := w.pg[plugin]
	if w.pg == nil {
		w.pg = map[string]*pgPlugin{}
	}
	w.pg[plugin] = pp
	w.pgMu.Unlock()
	if old != nil {
		old.close()
	}
}

// exec runs a statement that returns no rows. On SQLite the arguments are
// bound by SQLite itself, never written into the text (bun would write them
// in, and one ending a comment would add a statement after the text was
// judged one); PostgreSQL takes one statement per call whatever the text.
func (w *Wall) exec(ctx context.Context, db bun.IConn, text string, args []any) (sql.Result, error) {
	if w.db.Kind != "postgres" {
		switch c := db.(type) {
		case bun.Conn:
			return c.Conn.ExecContext(ctx, text, args...)
		case bun.Tx:
			return c.Tx.ExecContext(ctx, text, args...)
		}
	}
	return db.ExecContext(ctx, text, args...)
}

// query is exec for a statement that returns rows.
func (w *Wall) query(ctx context.Context, db bun.IConn, text string, args []any) (*sql.Rows, error) {
	if w.db.Kind != "postgres" {
		switch c := db.(type) {
		case bun.Conn:
			return c.Conn.QueryContext(ctx, text, args...)
		case bun.Tx:
			return c.Tx.QueryContext(ctx, text, args...)
		}
	}
	return db.QueryContext(ctx, text, args...)
}

// run runs a statement, in the plugin's transaction when in is one, within
// the call's deadline: on PostgreSQL on a connection of the plugin's own
// role in the call's scope (the engine refuses what is not the plugin's),
// on SQLite in the file of the call's organisation, under the authorizer.
func (w *Wall) run(ctx context.Context, plugin string, sc *calls.Scope, in bun.IConn, text string, do func(context.Context, bun.IConn) error) error {
	// The host's deadline, whatever the plugin's context says.
	ctx, cancel := context.WithDeadline(ctx, sc.Deadline)
	defer cancel()
	if w.db.Kind == "postgres" {
		if in != nil { // the plugin's transaction, on its connection and in its scope already
			return do(ctx, in)
		}
		pp := w.postgres(plugin)
		if pp == nil {
			return &wallError{errNotOwned}
		}
		conn, err := w.pgConn(ctx, pp, sc)
		if err != nil {
			return err
		}
		defer releasePG(conn)
		return do(ctx, conn)
	}
	if !store.OneStatement(text) {
		return &wallError{errManyStatements}
	}
	if in != nil {
		return do(ctx, in)
	}
	sp := w.sqlite(plugin)
	if sp == nil {
		return &wallError{errNotOwned}
	}
	conn, err := w.sqliteConn(ctx, sp, sc)
	if err != nil {
		return err
	}
	defer releaseSQLite(conn)
	return do(ctx, conn)
}

// SecureTables checks the plugin's tables after its migrations in one
// organisation's file (org; 0 the schema file) on SQLite, or in its schema
// on PostgreSQL: every one belongs to an organisation (has
// organisation_id), and what the engine enforces is re-asserted.
func (w *Wall) SecureTables(ctx context.Context, plugin string, org int64) error {
	if w.db.Kind == "postgres" {
		return w.securePostgres(ctx, plugin)
	}
	sp := w.sqlite(plugin)
	if sp == nil {
		return fmt.Errorf("plugin database: %s was not prepared", plugin)
	}
	f, err := sp.file(ctx, org)
	if err != nil {
		return err
	}
	return sp.guard(ctx, f)
}

func errNoOrganisation(table string) error {
	return fmt.Errorf("plugin table %s has no organisation_id column; every plugin table belongs to an organisation", table)
}

// toValues turns scanned columns into wire values; a type the wire has no
// form for goes as its text.
func toValues(vals []any) []*pluginv1.Value {
	out := make([]*pluginv1.Value, len(vals))
	for i, v := range vals {
		var ok bool
		if out[i], ok = pluginv1.ValueOf(v); !ok {
			out[i] = &pluginv1.Value{Kind: &pluginv1.Value_Text{Text: fmt.Sprint(v)}}
		}
	}
	return out
}

// reservedIDs are the first words of the core's table names (kept so by
// TestCoreTablesAreReserved) and the database's own tools: a plugin's
// tables are <id>_…, and tables of an earlier layout named so move into
// its schema or file at start, so such an id would take the core's tables.
var reservedIDs = map[string]bool{
	"announcements": true, "app": true, "audit": true, "backup": true, "brands": true, "dossier": true, "dossiers": true,
	"feed": true, "mail": true, "member": true, "members": true, "module": true, "notices": true, "organisation": true,
	"organisations": true, "password": true, "products": true, "read": true, "realtime": true, "roles": true,
	"sessions": true, "sign": true, "subscriptions": true, "team": true, "teams": true, "trajectories": true, "trajectory": true,
	"user": true, "users": true, "files": true, "file": true, "events": true, "event": true,
	// The first words of the core's events (docs/plugins.md): no plugin emits in their name.
	"core": true, "person": true, "people": true,
	"bun": true, "sqlite": true, "pg": true, "atrium": true, "plugin": true,
}

// MayUseName refuses a reserved plugin id, and on PostgreSQL one that
// names a table of the core's the plugin's earlier role did not own (a
// core table added since the list above was made).
func (w *Wall) MayUseName(ctx context.Context, plugin string) error {
	if reservedIDs[plugin] {
		return fmt.Errorf("plugin id %q names the core's tables or tools; choose another", plugin)
	}
	if w.db.Kind != "postgres" {
		return nil
	}
	var clash []string
	if err := w.db.NewRaw(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND (tablename = ? OR tablename LIKE ?) AND tableowner <> ?`,
		plugin, plugin+`\_%`, earlierRole(plugin)).Scan(ctx, &clash); err != nil {
		return err
	}
	if len(clash) > 0 {
		return fmt.Errorf("plugin id %q names the core's tables (%s); choose another", plugin, strings.Join(clash, ", "))
	}
	return nil
}

// EndMigrations ends every connection of a plugin's migrations (in one
// organisation's file on SQLite): on PostgreSQL its migration role may no
// longer sign in and its sessions are ended (a statement still running
// dies with them); the pool is closed.
func (w *Wall) EndMigrations(ctx context.Context, plugin string, org int64) error {
	if pp := w.postgres(plugin); pp != nil {
		for _, q := range []string{
			fmt.Sprintf(`ALTER ROLE %s NOLOGIN`, quoteIdent(pp.migrator)),
			`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ?`,
		} {
			if _, err := w.db.NewRaw(q, pp.migrator).Exec(ctx); err != nil {
				return err
			}
		}
		return pp.migrations.Close()
	}
	if sp := w.sqlite(plugin); sp != nil {
		f, err := sp.file(ctx, org)
		if err != nil || f.migrations == nil {
			return err
		}
		return f.migrations.Close()
	}
	return nil
}

// pools are a plugin's own connections: its calls' and its migrations'.
type pools struct{ calls, migrations *bun.DB }

// take takes a connection for a call: the migrations' while it migrates.
// The connection is the caller's until it closes (or releases) it.
func (p pools) take(ctx context.Context, sc *calls.Scope) (bun.Conn, error) {
	if sc.Migrating {
		if p.migrations == nil {
			return bun.Conn{}, errMigrationsEnded
		}
		return p.migrations.Conn(ctx)
	}
	return p.calls.Conn(ctx)
}
