// Package coretest builds real test fixtures for Atrium: databases (SQLite and
// PostgreSQL, one per test), a running App on a loopback port, an HTTP client
// that reads pages with goquery, headless Chromium, and a load generator for
// benchmarks. Nothing here is a mock.
package coretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver for the reachability check

	"github.com/atriumhq/atrium/core/config"
)

// DefaultPostgresURL is the local server CI and developers have.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// EachDatabase runs fn once on a fresh SQLite database and once on a fresh
// PostgreSQL schema, as parallel subtests named "sqlite" and "postgres".
func EachDatabase(t *testing.T, fn func(t *testing.T, db config.Database)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, Postgres(t))
	})
}

// SQLite returns the configuration of a new SQLite database in t's temp folder.
func SQLite(t testing.TB) config.Database {
	t.Helper()
	db := config.Default().Database
	db.URL = "file:" + filepath.Join(t.TempDir(), "atrium.db")
	return db
}

// Postgres returns the configuration of a new, empty schema on the test server
// (TEST_DATABASE_URL), dropped when t ends. When the server cannot be reached
// the test is skipped with a loud message, or fails when REQUIRE_POSTGRES=1.
func Postgres(t testing.TB) config.Database {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	admin, err := reachPostgres(base)
	if err != nil {
		if os.Getenv("REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (REQUIRE_POSTGRES=1) but %v", err)
		}
		warnOnce.Do(func() {
			fmt.Fprintf(os.Stderr, "\n!!! PostgreSQL tests SKIPPED: %v\n!!! start it or set TEST_DATABASE_URL; CI sets REQUIRE_POSTGRES=1\n\n", err)
		})
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	schema := "t_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db := config.Default().Database
	db.URL = u.String()
	db.MaxOpenConns = 8
	return db
}

var (
	warnOnce  sync.Once
	reachOnce sync.Once
	adminDB   *sql.DB
	reachErr  error
)

// reachPostgres opens one shared administrative pool, once per test binary.
func reachPostgres(base string) (*sql.DB, error) {
	reachOnce.Do(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			reachErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			reachErr = fmt.Errorf("cannot reach %s: %w", base, err)
			_ = db.Close()
			return
		}
		db.SetMaxOpenConns(4)
		adminDB = db
	})
	return adminDB, reachErr
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
