package wall

import (
	"context"
	"fmt"
)

// pluginLockClass is the first key of the advisory locks that serialise
// plugins' preparation across instances (the second names what is
// prepared); core migrations take a lock of their own.
const pluginLockClass = 0x6174 // "at"

// Lock waits until no other instance on the database prepares or migrates
// the plugin, and holds that until the returned function is called. On
// SQLite, whose files one instance owns, it returns at once.
func (w *Wall) Lock(ctx context.Context, plugin string) (func(), error) {
	if w.db.Kind != "postgres" {
		return func() {}, nil
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// The plugin of this installation: its roles and schema, not another
	// installation's on the same server.
	name := "SELECT hashtext(current_database() || '/' || current_schema() || '/' || ?)"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?, ("+name+"))", pluginLockClass, plugin); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("plugin database: cannot take the lock on %s: %w", plugin, err)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?, ("+name+"))", pluginLockClass, plugin)
		_ = conn.Close()
	}, nil
}

// Prepare readies a plugin's side of the wall before its migrations: on
// PostgreSQL its schema and roles, on SQLite its schema file and one file
// per organisation. It gives the organisations whose files the plugin's
// migrations must then reach, one by one (none on PostgreSQL, where one
// schema holds every organisation's rows).
func (w *Wall) Prepare(ctx context.Context, plugin string) ([]int64, error) {
	if err := w.MayUseName(ctx, plugin); err != nil {
		return nil, err
	}
	if w.db.Kind == "postgres" {
		pp, err := w.preparePostgres(ctx, plugin, pluginConns, maxRowBytes)
		if err != nil {
			return nil, err
		}
		w.setPostgres(plugin, pp)
		return nil, nil
	}
	sp, err := w.prepareSQLite(ctx, plugin)
	if err != nil {
		return nil, err
	}
	w.setSQLite(plugin, sp)
	return sp.openForMigrations(ctx)
}

// Behind tells whether an organisation's file lacks a migration the schema
// file has, so the plugin must be asked to migrate it.
func (w *Wall) Behind(ctx context.Context, plugin string, org int64) (bool, error) {
	sp := w.sqlite(plugin)
	if sp == nil {
		return false, nil
	}
	f, err := sp.file(ctx, org)
	if err != nil {
		return false, err
	}
	return !sp.upToDate(ctx, f), nil
}

// Fail marks an organisation's file as one whose migrations failed: its
// calls fail until the plugin starts again.
func (w *Wall) Fail(plugin string, org int64, err error) {
	if sp := w.sqlite(plugin); sp != nil {
		sp.fail(org, err)
	}
}

// Reserved tells whether a plugin id is kept from plugins.
func Reserved(id string) bool { return reservedIDs[id] }
