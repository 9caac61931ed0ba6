package sdktest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"

	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// As the host does on SQLite, the fake keeps each organisation's rows of
// the module's tables in a database of its own, made at the organisation's
// first call with the module's migrations run in it; the module reaches it
// only through its calls (the SDK's driver sends every statement here).

// organisation is one organisation of the fake, and its database.
type organisation struct {
	id   int64
	name string
	once sync.Once // opens and migrates the database, at the first call
	db   *bun.DB   // set under Host.mu
	err  error
}

// rowsPerBatch is how many rows go in one message of a Query stream.
const rowsPerBatch = 1000

// DB is an organisation's database as the host holds it, for a test to
// put rows in place or check what the module wrote. The module's
// migrations have run in it.
// Since contract v1.6.
func (h *Host) DB(org int64) *bun.DB {
	h.t.Helper()
	db, err := h.database(org)
	if err != nil {
		h.t.Fatalf("sdktest: %v", err)
	}
	return db
}

// database opens an organisation's database at its first use and runs the
// module's migrations in it.
func (h *Host) database(org int64) (*bun.DB, error) {
	h.mu.Lock()
	o := h.orgs[org]
	h.mu.Unlock()
	if o == nil {
		return nil, fmt.Errorf("no organisation %d; add it with AddOrganisation", org)
	}
	o.once.Do(func() {
		params := url.Values{}
		params.Add("_pragma", "journal_mode(WAL)")
		params.Add("_pragma", "busy_timeout(5000)")
		params.Set("_txlock", "immediate")
		sqldb, err := sql.Open(sqliteshim.ShimName, "file:"+filepath.Join(h.dir, strconv.FormatInt(org, 10)+".db")+"?"+params.Encode())
		if err != nil {
			o.err = err
			return
		}
		db := bun.NewDB(sqldb, sqlitedialect.New())
		h.t.Cleanup(func() { db.Close() })
		// In place before the migrations run: they reach it through the
		// module's calls, as every statement does.
		h.mu.Lock()
		o.db = db
		h.mu.Unlock()
		o.err = h.migrate(o)
	})
	return o.db, o.err
}

// migrate runs the module's migrations in an organisation's database,
// then checks its tables as the host does: every one is the module's
// (<id>_…) and belongs to an organisation (has organisation_id), and the
// host's triggers refuse a row of another organisation.
func (h *Host) migrate(o *organisation) error {
	if !slices.Contains(h.manifest.GetImplements(), "Migrate") {
		return nil
	}
	token := h.open(&scope{org: o.id, migrating: true})
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	_, err := h.plugin.Migrate(ctx, &pluginv1.MigrateRequest{Context: &pluginv1.CallContext{Token: token}})
	h.close(token)
	if err != nil {
		return fmt.Errorf("the module's migrations: %w", err)
	}
	var tables []string
	if err := o.db.NewRaw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' AND name <> ?`,
		h.id+"_migrations").Scan(ctx, &tables); err != nil {
		return err
	}
	for _, t := range tables {
		if !strings.HasPrefix(t, h.id+"_") {
			return fmt.Errorf("table %s is not the module's: its tables are named %s_…", t, h.id)
		}
		var n int
		if err := o.db.NewRaw(`SELECT count(*) FROM pragma_table_info(?) WHERE name = 'organisation_id'`, t).Scan(ctx, &n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("table %s has no organisation_id column; every table of a module belongs to an organisation", t)
		}
		for _, op := range []string{"INSERT", "UPDATE"} {
			q := fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS "sdktest_%s_%s" BEFORE %s ON "%s" WHEN NEW.organisation_id IS NOT %d
				BEGIN SELECT RAISE(ABORT, 'a row of another organisation than the call''s'); END`, strings.ToLower(op), t, op, t, o.id)
			if _, err := o.db.ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// conn is where a call's statement runs: its transaction when it names
// one, else the organisation's database.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *hostService) conn(sc *scope, tx string) (conn, error) {
	if tx != "" {
		s.h.mu.Lock()
		defer s.h.mu.Unlock()
		if sc.tx == nil || sc.txID != tx {
			return nil, errNoSuchTx
		}
		return sc.tx, nil
	}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	return s.h.orgs[sc.org].db.DB, nil
}

// Exec runs one statement that returns no rows. Arguments are bound by
// SQLite, as the host binds them.
func (s *hostService) Exec(ctx context.Context, req *pluginv1.ExecRequest) (*pluginv1.ExecResponse, error) {
	sc, err := s.dbScope(req.GetToken())
	if err != nil {
		return nil, err
	}
	args, err := pluginv1.Args(req.GetArgs())
	if err != nil {
		return nil, err
	}
	c, err := s.conn(sc, req.GetTx())
	if err != nil {
		return nil, err
	}
	res, err := c.ExecContext(ctx, req.GetSql(), args...)
	if err != nil {
		return nil, err
	}
	out := &pluginv1.ExecResponse{}
	out.RowsAffected, _ = res.RowsAffected()
	out.LastInsertId, _ = res.LastInsertId()
	return out, nil
}

// Query runs one statement and streams its rows in batches, packed when
// asked.
func (s *hostService) Query(req *pluginv1.QueryRequest, stream pluginv1.Host_QueryServer) error {
	sc, err := s.dbScope(req.GetToken())
	if err != nil {
		return err
	}
	args, err := pluginv1.Args(req.GetArgs())
	if err != nil {
		return err
	}
	c, err := s.conn(sc, req.GetTx())
	if err != nil {
		return err
	}
	rows, err := c.QueryContext(stream.Context(), req.GetSql(), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	batch, n := &pluginv1.RowBatch{Columns: cols}, 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if req.GetPacked() {
			batch.Packed = pluginv1.AppendPacked(batch.Packed, vals)
		} else {
			row := &pluginv1.Row{}
			for _, v := range vals {
				w, ok := pluginv1.ValueOf(v)
				if !ok {
					w = &pluginv1.Value{Kind: &pluginv1.Value_Text{Text: fmt.Sprint(v)}}
				}
				row.Values = append(row.Values, w)
			}
			batch.Rows = append(batch.Rows, row)
		}
		if n++; n == rowsPerBatch {
			if err := stream.Send(batch); err != nil {
				return err
			}
			batch, n = &pluginv1.RowBatch{}, 0
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return stream.Send(batch)
}

// Begin opens the call's transaction; one at a time.
func (s *hostService) Begin(ctx context.Context, req *pluginv1.BeginRequest) (*pluginv1.BeginResponse, error) {
	sc, err := s.dbScope(req.GetToken())
	if err != nil {
		return nil, err
	}
	s.h.mu.Lock()
	open, db := sc.tx != nil, s.h.orgs[sc.org].db
	s.h.mu.Unlock()
	if open {
		return nil, errTxOpen
	}
	// The transaction outlives this Begin, never the call.
	tx, err := db.DB.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, err
	}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	sc.tx, sc.txID = tx, newToken()
	return &pluginv1.BeginResponse{Tx: sc.txID}, nil
}

// Commit keeps the transaction's work.
func (s *hostService) Commit(_ context.Context, req *pluginv1.TxRequest) (*pluginv1.TxResponse, error) {
	return s.finish(req, true)
}

// Rollback undoes the transaction's work.
func (s *hostService) Rollback(_ context.Context, req *pluginv1.TxRequest) (*pluginv1.TxResponse, error) {
	return s.finish(req, false)
}

func (s *hostService) finish(req *pluginv1.TxRequest, commit bool) (*pluginv1.TxResponse, error) {
	sc, err := s.dbScope(req.GetToken())
	if err != nil {
		return nil, err
	}
	s.h.mu.Lock()
	tx := sc.tx
	if tx == nil || sc.txID != req.GetTx() {
		s.h.mu.Unlock()
		return nil, errNoSuchTx
	}
	sc.tx, sc.txID = nil, ""
	s.h.mu.Unlock()
	if commit {
		err = tx.Commit()
	} else {
		err = tx.Rollback()
	}
	return &pluginv1.TxResponse{}, err
}
