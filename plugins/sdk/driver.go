package sdk

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"google.golang.org/grpc"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// The plugin's database: a database/sql driver that sends every statement to
// the host, named by the token of the call being served, so the host decides
// the organisation and the tables. Plugins use bun on top, as in the core.
// Always pass the request's context (r.Context) to queries: it carries the
// token. Transactions work as in bun (r.DB().RunInTx(r.Context, nil, …));
// the host rolls back one the call leaves open.

type tokenKey struct{}

// ErrNoCall is returned for a query made without a request's context.
// Since contract v1.0.
var ErrNoCall = errors.New("sdk: database calls need the request's context (r.Context)")

// DB is the module's database handle, for use with the request's context.
// Since contract v1.0.
func (r *Request) DB() *bun.DB { return r.module.database() }

// Database gives the module's database handle when a call runs. A plugin's
// services keep one from before Serve (the Module) and ask it for the
// handle in each call, with the call's context: the handle speaks the
// host's database, which the host names only when it starts the module.
// A Request is one as well.
// Since contract v1.6.
type Database interface {
	DB() *bun.DB
}

// DB is the module's database handle, as Request.DB gives it, for services
// built before Serve (see Database). Ask for it in a call, not while
// building the module: the host has not named its database yet.
// Since contract v1.6.
func (m *Module) DB() *bun.DB { return m.database() }

func (m *Module) database() *bun.DB {
	m.dbOnce.Do(func() {
		sqldb := sql.OpenDB(connector{m: m})
		if m.dialect == "postgres" {
			m.db = bun.NewDB(sqldb, pgdialect.New())
		} else {
			m.db = bun.NewDB(sqldb, sqlitedialect.New())
		}
	})
	return m.db
}

type connector struct{ m *Module }

func (c connector) Connect(context.Context) (driver.Conn, error) { return &conn{m: c.m}, nil }
func (c connector) Driver() driver.Driver                        { return tunnel{} }

type tunnel struct{}

func (tunnel) Open(string) (driver.Conn, error) {
	return nil, errors.New("sdk: open the database through Request.DB")
}

// conn is one handle of database/sql's pool; while database/sql has it in
// a transaction, tx names that transaction to the host.
type conn struct {
	m  *Module
	tx string
}

func (c *conn) Prepare(query string) (driver.Stmt, error) { return &stmt{c: c, query: query}, nil }
func (c *conn) Close() error                              { return nil }
func (c *conn) Begin() (driver.Tx, error)                 { return nil, ErrNoCall }

// BeginTx opens a transaction in the host for the call named by ctx.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.ReadOnly || opts.Isolation != 0 {
		return nil, errors.New("sdk: plugin transactions take no options")
	}
	tok, err := token(ctx)
	if err != nil {
		return nil, err
	}
	if c.m.host == nil {
		return nil, ErrNoHost
	}
	resp, err := c.m.host.Begin(ctx, &pluginv1.BeginRequest{Token: tok})
	if err != nil {
		return nil, err
	}
	c.tx = resp.GetTx()
	return &hostTx{c: c, token: tok, ctx: ctx}, nil
}

// hostTx ends a transaction in the host.
type hostTx struct {
	c     *conn
	token string
	ctx   context.Context
}

func (t *hostTx) Commit() error   { return t.end(t.c.m.host.Commit) }
func (t *hostTx) Rollback() error { return t.end(t.c.m.host.Rollback) }

func (t *hostTx) end(call func(context.Context, *pluginv1.TxRequest, ...grpc.CallOption) (*pluginv1.TxResponse, error)) error {
	id := t.c.tx
	t.c.tx = ""
	// The transaction's own context may be cancelled by now; ending it is
	// still due, within the call's deadline.
	_, err := call(context.WithoutCancel(t.ctx), &pluginv1.TxRequest{Token: t.token, Tx: id})
	return err
}

func token(ctx context.Context) (string, error) {
	t, _ := ctx.Value(tokenKey{}).(string)
	if t == "" {
		return "", ErrNoCall
	}
	return t, nil
}

// request gives what every statement sends the host: the call's token and
// the arguments in their wire form.
func (c *conn) request(ctx context.Context, args []driver.NamedValue) (string, []*pluginv1.Value, error) {
	tok, err := token(ctx)
	if err != nil {
		return "", nil, err
	}
	if c.m.host == nil {
		return "", nil, ErrNoHost
	}
	vals, err := toWire(args)
	return tok, vals, err
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	tok, vals, err := c.request(ctx, args)
	if err != nil {
		return nil, err
	}
	if cr := readsOf(ctx); cr != nil {
		cr.write()
	}
	resp, err := c.m.host.Exec(ctx, &pluginv1.ExecRequest{Token: tok, Sql: query, Args: vals, Tx: c.tx})
	if err != nil {
		return nil, err
	}
	return result{resp}, nil
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	tok, vals, err := c.request(ctx, args)
	if err != nil {
		return nil, err
	}
	cr := readsOf(ctx)
	standalone := cr != nil && c.tx == "" && len(args) == 0
	if standalone {
		if b := cr.take(query); b != nil {
			cr.ran(query) // still the page's read: preload it again next time
			return &rows{cancel: func() {}, cols: b.GetColumns(), batch: b.GetRows(), packed: b.GetPacked()}, nil
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	stream, err := c.m.host.Query(ctx, &pluginv1.QueryRequest{Token: tok, Sql: query, Args: vals, Tx: c.tx, Packed: true})
	if err != nil {
		cancel()
		return nil, err
	}
	first, err := stream.Recv()
	if err != nil {
		cancel()
		return nil, err
	}
	if standalone {
		cr.ran(query)
	}
	return &rows{stream: stream, cancel: cancel, cols: first.GetColumns(), batch: first.GetRows(), packed: first.GetPacked()}, nil
}

type result struct{ r *pluginv1.ExecResponse }

func (r result) LastInsertId() (int64, error) { return r.r.GetLastInsertId(), nil }
func (r result) RowsAffected() (int64, error) { return r.r.GetRowsAffected(), nil }

type stmt struct {
	c     *conn
	query string
}

func (s *stmt) Close() error  { return nil }
func (s *stmt) NumInput() int { return -1 }
func (s *stmt) Exec([]driver.Value) (driver.Result, error) {
	return nil, ErrNoCall
}
func (s *stmt) Query([]driver.Value) (driver.Rows, error) { return nil, ErrNoCall }
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.c.ExecContext(ctx, s.query, args)
}
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.c.QueryContext(ctx, s.query, args)
}

// rows reads a Query stream batch by batch.
// rows reads a result's batches: rows as Values, or packed (a host of
// v1.6 and on packs them when asked; an older one sends Values).
type rows struct {
	stream pluginv1.Host_QueryClient
	cancel context.CancelFunc
	cols   []string
	batch  []*pluginv1.Row
	packed []byte
	i      int
}

func (r *rows) Columns() []string { return r.cols }

// Close reads the stream to its end before letting go: the host finishes
// the statement (on PostgreSQL, commits it) only after its last row is
// taken, so cancelling early would undo an INSERT … RETURNING the plugin has
// already seen, and cost a database connection. Limit queries instead of
// closing early.
func (r *rows) Close() error {
	defer r.cancel()
	for r.stream != nil {
		if _, err := r.stream.Recv(); err != nil {
			return nil
		}
	}
	return nil
}
func (r *rows) Next(dest []driver.Value) error {
	for r.i >= len(r.batch) && len(r.packed) == 0 {
		if r.stream == nil { // a preload: every row is here
			return io.EOF
		}
		b, err := r.stream.Recv()
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		if err != nil {
			return err
		}
		r.batch, r.packed, r.i = b.GetRows(), b.GetPacked(), 0
	}
	if len(r.packed) > 0 {
		rest, err := pluginv1.UnpackRow(r.packed, dest)
		r.packed = rest
		return err
	}
	values := r.batch[r.i].GetValues()
	if len(values) != len(dest) {
		return fmt.Errorf("sdk: a row of %d values for %d columns", len(values), len(dest))
	}
	for j, v := range values {
		dest[j] = fromWire(v)
	}
	r.i++
	return nil
}

func toWire(args []driver.NamedValue) ([]*pluginv1.Value, error) {
	out := make([]*pluginv1.Value, len(args))
	for i, a := range args {
		var ok bool
		if out[i], ok = pluginv1.ValueOf(a.Value); !ok {
			return nil, fmt.Errorf("sdk: argument %d of type %T cannot be sent", i, a.Value)
		}
	}
	return out, nil
}

// fromWire is a value the host sent; one of a kind this SDK does not know
// reads as NULL.
func fromWire(v *pluginv1.Value) driver.Value {
	out, _ := v.Go()
	return out
}
