package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

// Migration is one versioned change to the schema, owned by the domain package
// whose tables it touches. Name is "<14-digit version>_<what>", such as
// "20261130090000_organisations"; versions order the migrations of all packages.
// Up and Down run inside one transaction together with the bookkeeping, so a
// migration is applied entirely or not at all. Both must work on SQLite and on
// PostgreSQL.
type Migration struct {
	Name string
	Up   func(ctx context.Context, tx bun.Tx) error
	Down func(ctx context.Context, tx bun.Tx) error
}

// Status is one migration and whether it has been applied.
type Status struct {
	Name      string
	Applied   bool
	Group     int64
	AppliedAt time.Time
}

// Migrator applies and rolls back migrations, keeping its books in bun/migrate's
// tables (bun_migrations), so bun's own tooling reads the same state.
type Migrator struct {
	db       *DB
	byName   map[string]Migration
	registry *migrate.Migrations
	// Progress receives one line per migration; nil is silent.
	Progress io.Writer
}

const migrationsTable = "bun_migrations"

// NewMigrator checks the names of the given migrations and orders them.
func NewMigrator(db *DB, migrations []Migration) (*Migrator, error) {
	m := &Migrator{db: db, byName: map[string]Migration{}, registry: migrate.NewMigrations()}
	for _, mg := range migrations {
		version, comment, ok := strings.Cut(mg.Name, "_")
		if !ok || len(version) != 14 || strings.Trim(version, "0123456789") != "" || mg.Up == nil || mg.Down == nil {
			return nil, fmt.Errorf("migration %q: name must be <14-digit version>_<what> and it needs Up and Down", mg.Name)
		}
		if _, dup := m.byName[version]; dup {
			return nil, fmt.Errorf("migration %q: version %s is used twice", mg.Name, version)
		}
		m.byName[version] = mg
		m.registry.Add(migrate.Migration{Name: version, Comment: comment})
	}
	return m, nil
}

// Status lists every migration, applied or not, oldest first. It never writes:
// on a fresh database it reports everything as pending.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	applied, err := m.applied(ctx)
	if err != nil {
		return nil, err
	}
	var out []Status
	for _, mg := range m.registry.Sorted() {
		s := Status{Name: mg.String()}
		if a, ok := applied[mg.Name]; ok {
			s.Applied, s.Group, s.AppliedAt = true, a.GroupID, a.MigratedAt
		}
		out = append(out, s)
	}
	return out, nil
}

// Up applies every pending migration as one new group and returns how many it
// applied. Several processes may call Up at once: a lock lets one work while the
// others wait, and they then find nothing left to do.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	unlock, err := m.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	if err := migrate.NewMigrator(m.db.DB, m.registry).Init(ctx); err != nil {
		return 0, fmt.Errorf("migrate: cannot create the bookkeeping table: %w", err)
	}
	applied, err := m.applied(ctx)
	if err != nil {
		return 0, err
	}
	group := lastGroup(applied) + 1
	count := 0
	for _, mg := range m.registry.Sorted() {
		if _, done := applied[mg.Name]; done {
			continue
		}
		err := m.step(ctx, "applying", mg, func(ctx context.Context, tx bun.Tx) error {
			if err := m.byName[mg.Name].Up(ctx, tx); err != nil {
				return err
			}
			rec := &migrate.Migration{Name: mg.Name, GroupID: group, MigratedAt: time.Now()}
			_, err := tx.NewInsert().Model(rec).ModelTableExpr(migrationsTable).Exec(ctx)
			return err
		})
		if err != nil {
			return count, err
		}
		count++
	}
	return count, nil
}

// Down rolls back the most recent group, newest migration first, and returns
// how many it rolled back.
func (m *Migrator) Down(ctx context.Context) (int, error) {
	unlock, err := m.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	applied, err := m.applied(ctx)
	if err != nil {
		return 0, err
	}
	var last []migrate.Migration
	group := lastGroup(applied)
	for _, a := range applied {
		if a.GroupID == group && group > 0 {
			last = append(last, a)
		}
	}
	sort.Slice(last, func(i, j int) bool { return last[i].Name > last[j].Name })
	count := 0
	for _, a := range last {
		mg, known := m.byName[a.Name]
		if !known {
			return count, fmt.Errorf("migrate: %s was applied by a newer Atrium and this one cannot roll it back; use the newer version", a.Name)
		}
		a.Comment = strings.TrimPrefix(mg.Name, a.Name+"_")
		err := m.step(ctx, "rolling back", a, func(ctx context.Context, tx bun.Tx) error {
			if err := mg.Down(ctx, tx); err != nil {
				return err
			}
			_, err := tx.NewDelete().TableExpr(migrationsTable).Where("name = ?", a.Name).Exec(ctx)
			return err
		})
		if err != nil {
			return count, err
		}
		count++
	}
	return count, nil
}

// step runs one migration in its own transaction and reports progress.
func (m *Migrator) step(ctx context.Context, verb string, mg migrate.Migration, fn func(context.Context, bun.Tx) error) error {
	started := time.Now()
	m.say("migrate: %s %s …", verb, mg.String())
	err := m.db.RunInTx(ctx, nil, fn)
	if err != nil {
		m.say(" failed\n")
		return fmt.Errorf("migrate: %s %s failed, nothing of it was kept: %w", verb, mg.String(), err)
	}
	m.say(" ok (%s)\n", time.Since(started).Round(time.Millisecond))
	return nil
}

func (m *Migrator) say(format string, args ...any) {
	if m.Progress != nil {
		fmt.Fprintf(m.Progress, format, args...)
	}
}

// lastGroup is the number of the most recent group, 0 when none.
func lastGroup(applied map[string]migrate.Migration) int64 {
	var group int64
	for _, a := range applied {
		group = max(group, a.GroupID)
	}
	return group
}

// applied reads the books, treating a missing table as "nothing applied".
func (m *Migrator) applied(ctx context.Context) (map[string]migrate.Migration, error) {
	exists, err := m.db.TableExists(ctx, migrationsTable)
	if err != nil || !exists {
		return map[string]migrate.Migration{}, err
	}
	var rows []migrate.Migration
	if err := m.db.NewSelect().Model(&rows).ModelTableExpr(migrationsTable + " AS migration").Scan(ctx); err != nil {
		return nil, fmt.Errorf("migrate: cannot read %s: %w", migrationsTable, err)
	}
	out := make(map[string]migrate.Migration, len(rows))
	for _, r := range rows {
		out[r.Name] = r
	}
	return out, nil
}

// TableExists tells whether a table is visible on the current search path.
func (s *DB) TableExists(ctx context.Context, name string) (bool, error) {
	var n int
	var err error
	if s.Kind == "postgres" {
		err = s.NewRaw("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?", name).Scan(ctx, &n)
	} else {
		err = s.NewRaw("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(ctx, &n)
	}
	return n > 0, err
}

// migrationLockKey is an arbitrary constant that names Atrium's advisory lock.
const migrationLockKey = 0x61747269756d // "atrium"

// lock serialises migrators: an advisory lock on PostgreSQL, a lock on a file
// beside the database on SQLite. Both vanish with a crashed process, so a
// failed run never leaves a lock for someone to clear by hand.
func (m *Migrator) lock(ctx context.Context) (func(), error) {
	if m.db.Kind == "postgres" {
		conn, err := m.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("migrate: cannot take the migration lock: %w", err)
		}
		return func() {
			_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", migrationLockKey)
			_ = conn.Close()
		}, nil
	}
	path := m.db.SQLitePath()
	if path == "" || path == ":memory:" {
		return func() {}, nil
	}
	f, err := os.OpenFile(path+".migrate-lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("migrate: cannot create the lock file beside %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("migrate: cannot take the migration lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// SQLitePath is the database file of an SQLite database, "" for PostgreSQL.
func (s *DB) SQLitePath() string {
	if s.Kind != "sqlite" {
		return ""
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(s.cfg.URL, "file:"), "?")
	return path
}

// DropTables is the Down of a migration that created the given tables:
// it drops them in reverse order.
func DropTables(models ...any) func(context.Context, bun.Tx) error {
	return func(ctx context.Context, tx bun.Tx) error {
		for i := len(models) - 1; i >= 0; i-- {
			if _, err := tx.NewDropTable().Model(models[i]).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// AddColumns is the Up of a migration that adds columns to a table, each
// given as its name and type ("note TEXT NOT NULL DEFAULT ”"); the type
// TIMESTAMP becomes the one bun gives time.Time on the engine (TIMESTAMPTZ
// on PostgreSQL). DropColumns is its Down.
func AddColumns(table string, columns ...string) func(context.Context, bun.Tx) error {
	return func(ctx context.Context, tx bun.Tx) error {
		for _, col := range columns {
			if tx.Dialect().Name() == dialect.PG {
				col = strings.Replace(col, " TIMESTAMP", " TIMESTAMPTZ", 1)
			}
			if _, err := tx.NewAddColumn().Table(table).ColumnExpr(col).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// DropColumns is the Down of AddColumns: it drops the named columns.
func DropColumns(table string, names ...string) func(context.Context, bun.Tx) error {
	return func(ctx context.Context, tx bun.Tx) error {
		for _, name := range names {
			if _, err := tx.NewDropColumn().Table(table).Column(name).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}
