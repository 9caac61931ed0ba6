package wall

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/secrets"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// pluginTx is a plugin's open transaction, tied to one call: it lives until
// the plugin commits or rolls it back, or until the call ends, whichever
// comes first (an abandoned transaction is rolled back, never committed).
type pluginTx struct {
	id     string
	tx     bun.Tx
	cancel context.CancelFunc
	// busy lets one statement at a time use the transaction's connection:
	// the next waits until the previous query's rows are read or abandoned.
	busy sync.Mutex
	// committed is work that waits for the transaction to commit (the
	// events it emitted), dropped when it rolls back.
	committed []func(context.Context) error
}

// ID names the transaction within its call.
func (t *pluginTx) ID() string { return t.id }

// End finishes the transaction and releases its connection.
func (t *pluginTx) End(commit bool) error {
	defer t.cancel()
	t.busy.Lock()
	defer t.busy.Unlock()
	if commit {
		return t.tx.Commit()
	}
	if err := t.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

var (
	errTxOpen   = status.Error(codes.FailedPrecondition, "a transaction is already open in this call; commit or roll it back first")
	errNoSuchTx = status.Error(codes.FailedPrecondition, "no such transaction in this call (it ended, or the call did)")
)

// Begin opens a transaction for the call. On PostgreSQL it runs as the
// plugin's role, scoped to the call's organisation, like every statement.
func (s *Service) Begin(ctx context.Context, req *pluginv1.BeginRequest) (*pluginv1.BeginResponse, error) {
	sc, err := s.DBScope(req.GetToken())
	if err != nil {
		return nil, err
	}
	// Refused before it waits for the database (on SQLite the open one holds
	// the write lock); attach checks again for a Begin racing this one.
	if s.Calls.HasTx(req.GetToken()) {
		return nil, errTxOpen
	}
	// The transaction outlives this Begin call, but never the call it serves.
	txCtx, cancel := context.WithDeadline(context.Background(), sc.Deadline)
	tx, release, err := s.Wall.begin(txCtx, s.Plugin, sc)
	if err != nil {
		cancel()
		return nil, status.Error(codes.Unavailable, fmt.Sprintf("cannot begin a transaction: %v", err))
	}
	t := &pluginTx{id: secrets.Token(12), tx: tx, cancel: func() { cancel(); release() }}
	if !s.Calls.Attach(req.GetToken(), t) {
		_ = t.End(false)
		return nil, errTxOpen
	}
	return &pluginv1.BeginResponse{Tx: t.id}, nil
}

// Commit keeps the transaction's work.
func (s *Service) Commit(_ context.Context, req *pluginv1.TxRequest) (*pluginv1.TxResponse, error) {
	return s.finish(req, true)
}

// Rollback undoes the transaction's work.
func (s *Service) Rollback(_ context.Context, req *pluginv1.TxRequest) (*pluginv1.TxResponse, error) {
	return s.finish(req, false)
}

func (s *Service) finish(req *pluginv1.TxRequest, commit bool) (*pluginv1.TxResponse, error) {
	if _, err := s.DBScope(req.GetToken()); err != nil {
		return nil, err
	}
	t := s.Calls.Detach(req.GetToken(), req.GetTx())
	if t == nil {
		return nil, errNoSuchTx
	}
	if err := t.End(commit); err != nil {
		return nil, status.Error(codes.Aborted, err.Error())
	}
	if pt, ok := t.(*pluginTx); ok && commit {
		pt.busy.Lock()
		after := pt.committed
		pt.busy.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, f := range after {
			if err := f(ctx); err != nil {
				s.Log.Error("work after a plugin's commit failed", "plugin", s.Plugin, "error", err.Error())
			}
		}
	}
	return &pluginv1.TxResponse{}, nil
}

// AfterCommit keeps f to run once the call's open transaction commits,
// and drops it if it rolls back; without an open transaction it tells
// false and keeps nothing.
func (s *Service) AfterCommit(token string, f func(context.Context) error) bool {
	sc := s.Calls.Find(s.Plugin, token)
	if sc == nil {
		return false
	}
	t, _ := s.Calls.Current(token).(*pluginTx)
	if t == nil {
		return false
	}
	t.busy.Lock()
	t.committed = append(t.committed, f)
	t.busy.Unlock()
	return true
}

// conn is where a statement runs: the call's transaction when it names one
// (held until release is called), else nil (the statement stands alone).
func (s *Service) conn(token, tx string) (in bun.IConn, release func(), err error) {
	if tx == "" {
		return nil, func() {}, nil
	}
	t, _ := s.Calls.Tx(token, tx).(*pluginTx)
	if t == nil {
		return nil, nil, errNoSuchTx
	}
	t.busy.Lock()
	return t.tx, t.busy.Unlock, nil
}

// begin opens a transaction within the wall, on a connection of the
// plugin's own (its role's on PostgreSQL, in the call's scope; its file's
// on SQLite), held until the transaction ends.
func (w *Wall) begin(ctx context.Context, plugin string, sc *calls.Scope) (bun.Tx, func(), error) {
	var conn bun.Conn
	var err error
	switch pp, sp := w.postgres(plugin), w.sqlite(plugin); {
	case pp != nil:
		conn, err = w.pgConn(ctx, pp, sc)
	case sp != nil:
		conn, err = w.sqliteConn(ctx, sp, sc)
	default:
		err = &wallError{errNotOwned}
	}
	if err != nil {
		return bun.Tx{}, nil, err
	}
	release := func() { conn.Close() }
	if w.db.Kind == "postgres" {
		release = func() { releasePG(conn) }
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		release()
		return tx, nil, err
	}
	return tx, release, nil
}
