package wall

import "context"

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
