package wall

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
)

// On PostgreSQL the engine is the wall. Each plugin has a schema of its own
// and two login roles with secrets only the host holds, members of
// nothing: one its calls run as, with the right to read and write the
// tables of its schema and nothing else (no CREATE anywhere, no TEMPORARY),
// and one its migrations run as, which may create in its schema only. Its
// statements travel on connections of its own that log in as those roles:
// there is no SET ROLE to undo, the extended protocol takes one statement
// per call, and every connection is reset (DISCARD ALL) before it serves
// another call. Row-level security, forced on every plugin table, keys
// rows to the call's organisation through a scope only the host writes.

const (
	// pluginConns is the size of each plugin's pool of call connections.
	pluginConns = 4
	// maxRowBytes bounds each row (PostgreSQL: each message the server
	// sends a plugin's connection; SQLite: each value): a larger one fails
	// its statement instead of filling the host's memory, and any row fits
	// one gRPC message to the plugin.
	maxRowBytes = 3 << 20
)

// pgPlugin is one plugin's side of the wall.
type pgPlugin struct {
	schema, role, migrator string
	pools

	mu sync.Mutex
	// scoped remembers which organisation the scope row of each of the
	// plugin's server processes names, to write it only when it changes.
	scoped map[uint32]int64
}

// pgNames are a plugin's schema and roles in this installation: the
// roles are the cluster's, so their names carry a hash of the database
// and the core's schema (two installations on one server never share one).
func pgNames(database, coreSchema, plugin string) (schema, role, migrator string) {
	sum := sha256.Sum256([]byte(database + "/" + coreSchema))
	prefix := "atr" + hex.EncodeToString(sum[:4])
	schema = "plugin_" + plugin
	if coreSchema != "public" {
		schema = coreSchema + "_" + plugin
	}
	return schema, prefix + "_" + plugin, prefix + "_" + plugin + "_m"
}

// earlierRole is the role that owned a plugin's tables before plugins had
// schemas of their own.
func earlierRole(plugin string) string { return "atrium_plugin_" + plugin }

// quoteIdent quotes a name the host made (lower-case letters, digits and
// underscores), for statements that cannot take parameters.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// preparePostgres makes, or brings up to date, a plugin's schema, roles and
// scope function, moves tables of an earlier layout into its schema, and
// opens its pools. It needs a database user that may create roles and owns
// the database (to take TEMPORARY from PUBLIC).
func (w *Wall) preparePostgres(ctx context.Context, plugin string, maxConns int, maxMessage int) (*pgPlugin, error) {
	var database, core string
	if err := w.db.QueryRowContext(ctx, "SELECT current_database(), current_schema()").Scan(&database, &core); err != nil {
		return nil, err
	}
	schema, role, migrator := pgNames(database, core, plugin)
	callsSecret, migrationSecret := w.roleSecret(role), w.roleSecret(migrator)
	q := quoteIdent
	super, err := w.closeDatabase(ctx, database, role)
	if err != nil {
		return nil, err
	}
	stmts := []string{
		// The scope: one row per server process, written by the host only.
		`CREATE UNLOGGED TABLE IF NOT EXISTS atrium_plugin_scope (pid integer PRIMARY KEY, organisation_id bigint NOT NULL)`,
		`REVOKE ALL ON atrium_plugin_scope FROM PUBLIC`,
	}
	for _, r := range []struct{ name, secret string }{{role, callsSecret}, {migrator, migrationSecret}} {
		stmts = append(stmts,
			fmt.Sprintf(`DO $$ BEGIN CREATE ROLE %s; EXCEPTION WHEN duplicate_object THEN NULL; END $$`, q(r.name)),
			// A secret only Atrium's instances know: never the plugin.
			fmt.Sprintf(`ALTER ROLE %s LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '%s'`, q(r.name), r.secret),
			fmt.Sprintf(`ALTER ROLE %s SET search_path = %s`, q(r.name), q(schema)),
		)
	}
	stmts = append(stmts,
		fmt.Sprintf(`GRANT %s TO CURRENT_USER`, q(migrator)), // the host re-asserts what the migrations own
		fmt.Sprintf(`CREATE SCHEMA IF NOT EXISTS %s`, q(schema)),
		fmt.Sprintf(`REVOKE ALL ON SCHEMA %s FROM PUBLIC`, q(schema)),
		fmt.Sprintf(`GRANT USAGE ON SCHEMA %s TO %s, %s`, q(schema), q(role), q(migrator)),
		fmt.Sprintf(`GRANT CREATE ON SCHEMA %s TO %s`, q(schema), q(migrator)),
		// The scope a policy reads; its owner is the host, in the plugin's
		// schema (the plugin's roles see nothing of the core's).
		fmt.Sprintf(`CREATE OR REPLACE FUNCTION %s.atrium_scope() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
			SET search_path = pg_catalog, %s, pg_temp AS 'SELECT organisation_id FROM atrium_plugin_scope WHERE pid = pg_backend_pid()'`, q(schema), q(core)),
		fmt.Sprintf(`REVOKE ALL ON FUNCTION %s.atrium_scope() FROM PUBLIC`, q(schema)),
		fmt.Sprintf(`GRANT EXECUTE ON FUNCTION %s.atrium_scope() TO %s, %s`, q(schema), q(role), q(migrator)),
		fmt.Sprintf(`ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %s`, q(migrator), q(schema), q(role)),
		fmt.Sprintf(`ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT USAGE, SELECT ON SEQUENCES TO %s`, q(migrator), q(schema), q(role)),
	)
	for _, s := range stmts {
		if _, err := w.db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("plugin database: %v; Atrium's database user must own the database and be allowed to create roles", err)
		}
	}
	if super {
		// Temporary files beyond a bound, which only a superuser may set.
		if _, err := w.db.ExecContext(ctx, fmt.Sprintf(`ALTER ROLE %s SET temp_file_limit = '64MB'`, q(role))); err != nil {
			return nil, fmt.Errorf("plugin database: %w", err)
		}
	}
	// The roles are members of nothing.
	for _, r := range []string{role, migrator} {
		var held []string
		if err := w.db.NewRaw(`SELECT roleid::regrole::text FROM pg_auth_members WHERE member = ?::regrole`, r).Scan(ctx, &held); err != nil {
			return nil, err
		}
		for _, h := range held {
			if _, err := w.db.ExecContext(ctx, fmt.Sprintf(`REVOKE %s FROM %s`, h, q(r))); err != nil {
				return nil, err
			}
		}
	}
	if err := w.moveEarlierTables(ctx, plugin, core, schema, migrator); err != nil {
		return nil, err
	}
	pp := &pgPlugin{schema: schema, role: role, migrator: migrator, scoped: map[uint32]int64{}}
	forget := func(_ context.Context, pid uint32) error {
		// A new server process may have the id of one gone: its scope is
		// written before its first statement.
		pp.mu.Lock()
		delete(pp.scoped, pid)
		pp.mu.Unlock()
		return nil
	}
	if pp.calls, err = w.db.OpenAs(store.RoleConn{Role: role, Password: callsSecret, MaxConns: maxConns, MaxMessage: maxMessage,
		Params: map[string]string{"search_path": schema}, Connected: forget}); err != nil {
		return nil, err
	}
	if pp.migrations, err = w.db.OpenAs(store.RoleConn{Role: migrator, Password: migrationSecret, MaxConns: 1, MaxMessage: maxMessage,
		Params: map[string]string{"search_path": schema}, Connected: forget}); err != nil {
		pp.calls.Close()
		return nil, err
	}
	return pp, nil
}

// databaseLock is the second key of the advisory lock under which the
// database's own rights change (with pluginLockClass as the first).
const databaseLock = 0

// closeDatabase takes from everyone but Atrium's own user what the whole
// database offers: temporary objects (a temporary table shadows a real one
// of the same name) and, where Atrium's user is a superuser, large objects
// (storage outside any schema). It tells whether the user is a superuser;
// without one, large objects and temporary files stay open to plugins
// (docs/security.md). The rights are the database's, shared by every
// installation on it, and PostgreSQL refuses two concurrent changes of one
// catalogue row: the changes take turns under a lock.
func (w *Wall) closeDatabase(ctx context.Context, database, role string) (super bool, err error) {
	err = w.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, ?)", pluginLockClass, databaseLock); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil {
			return err
		}
		stmts := []string{
			fmt.Sprintf(`GRANT TEMPORARY ON DATABASE %s TO CURRENT_USER`, quoteIdent(database)),
			fmt.Sprintf(`REVOKE TEMPORARY ON DATABASE %s FROM PUBLIC`, quoteIdent(database)),
		}
		if super {
			stmts = append(stmts,
				`REVOKE EXECUTE ON FUNCTION lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea) FROM PUBLIC`,
				`GRANT EXECUTE ON FUNCTION lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea) TO CURRENT_USER`)
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("plugin database: %v; Atrium's database user must own the database and be allowed to create roles", err)
	}
	return super, nil
}

// roleSecret is the password of one of a plugin's roles: derived from the
// installation's key, so that every instance on the database sets the same
// one and none locks the others out; a plugin, which never holds the key,
// cannot know it.
func (w *Wall) roleSecret(role string) string {
	if w.key == nil {
		return secrets.Token(24)
	}
	return w.key.Digest("plugin database role " + role)
}

// moveEarlierTables moves a plugin's tables from the core's schema (where
// they lived before plugins had schemas) into its own, owned by its
// migration role.
func (w *Wall) moveEarlierTables(ctx context.Context, plugin, core, schema, migrator string) error {
	// Only what the plugin's earlier role made is the plugin's: a table of
	// the core's with a name like it stays the core's (MayUseName refuses
	// such a plugin anyway).
	var tables []string
	if err := w.db.NewRaw(`SELECT tablename FROM pg_tables WHERE schemaname = ? AND tablename LIKE ? AND tableowner = ?`,
		core, plugin+`\_%`, earlierRole(plugin)).Scan(ctx, &tables); err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := w.db.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s.%s SET SCHEMA %s`, quoteIdent(core), quoteIdent(t), quoteIdent(schema))); err != nil {
			return fmt.Errorf("plugin database: moving %s into %s: %w", t, schema, err)
		}
	}
	var owned []string
	if err := w.db.NewRaw(`SELECT tablename FROM pg_tables WHERE schemaname = ? AND tableowner <> ?`, schema, migrator).Scan(ctx, &owned); err != nil {
		return err
	}
	for _, t := range owned {
		if _, err := w.db.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s.%s OWNER TO %s`, quoteIdent(schema), quoteIdent(t), quoteIdent(migrator))); err != nil {
			return err
		}
	}
	return nil
}

// pgConn takes a connection of the plugin's pool for a call (its
// migration pool while it migrates) and writes the call's organisation
// into the scope of that connection's server process, when it does not
// name it already. The connection is the caller's until it closes it.
func (w *Wall) pgConn(ctx context.Context, pp *pgPlugin, sc *calls.Scope) (bun.Conn, error) {
	conn, err := pp.take(ctx, sc)
	if err != nil {
		return conn, err
	}
	pid, err := store.BackendPID(conn.Conn)
	if err == nil {
		err = pp.enterScope(ctx, w.db, pid, sc.OrgID)
	}
	if err != nil {
		conn.Close()
		return conn, err
	}
	return conn, nil
}

// enterScope writes the organisation a server process's statements are
// scoped to, through the host's own connection: the plugin's roles cannot
// write the scope table. 0 (migrations) scopes to no organisation.
func (pp *pgPlugin) enterScope(ctx context.Context, db bun.IDB, pid uint32, orgID int64) error {
	pp.mu.Lock()
	current, known := pp.scoped[pid]
	pp.mu.Unlock()
	if known && current == orgID {
		return nil
	}
	if _, err := db.NewRaw(`INSERT INTO atrium_plugin_scope (pid, organisation_id) VALUES (?, ?)
		ON CONFLICT (pid) DO UPDATE SET organisation_id = EXCLUDED.organisation_id`, pid, orgID).Exec(ctx); err != nil {
		return err
	}
	pp.mu.Lock()
	pp.scoped[pid] = orgID
	pp.mu.Unlock()
	return nil
}

// releasePG ends a call's use of a connection: DISCARD ALL at once, so
// that nothing the call set (a setting, a session lock, a prepared
// statement, a cursor) outlives it, not even while the connection waits
// in the pool; then the connection goes back (or, failing, away). The
// reset runs after the answer went to the plugin.
func releasePG(conn bun.Conn) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, "DISCARD ALL"); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // not reused
		}
		conn.Close()
	}()
}

// close ends the plugin's pools.
func (pp *pgPlugin) close() {
	pp.calls.Close()
	pp.migrations.Close()
}

// securePostgres re-asserts, after every migration, what holds the
// plugin's schema: only tables, indexes, sequences and types (a function,
// trigger, view or rule the migration made refuses the plugin); each table
// owned by the migration role, with row-level security forced and exactly
// one policy, the host's, keyed to the call's organisation; and rights on
// it for the call role alone.
func (w *Wall) securePostgres(ctx context.Context, plugin string) error {
	pp := w.postgres(plugin)
	if pp == nil {
		return fmt.Errorf("plugin database: %s was not prepared", plugin)
	}
	var foreign []string
	if err := w.db.NewRaw(`
		SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE n.nspname = ? AND NOT (p.proname = 'atrium_scope' AND p.pronargs = 0 AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user))
		UNION ALL SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = ? AND NOT t.tgisinternal
		UNION ALL SELECT 'view ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = ? AND c.relkind IN ('v', 'm', 'f')
		UNION ALL SELECT 'rule ' || r.rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = ? AND r.rulename <> '_RETURN'`, pp.schema, pp.schema, pp.schema, pp.schema).Scan(ctx, &foreign); err != nil {
		return err
	}
	// Inheritance and partitions join tables' rows past their policies
	// (the rows of a child through its parent's): none.
	var joined []string
	if err := w.db.NewRaw(`
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = ? AND (c.relkind = 'p' OR c.relispartition
				OR EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid))`, pp.schema).Scan(ctx, &joined); err != nil {
		return err
	}
	for _, t := range joined {
		foreign = append(foreign, "inheritance or partitions on "+t)
	}
	if len(foreign) > 0 {
		return fmt.Errorf("plugin migrations may make tables, indexes, sequences and types only; found %s", strings.Join(foreign, ", "))
	}
	var tables []string
	if err := w.db.NewRaw(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = ? AND c.relkind IN ('r', 'p')`, pp.schema).Scan(ctx, &tables); err != nil {
		return err
	}
	q := quoteIdent
	for _, t := range tables {
		full := q(pp.schema) + "." + q(t)
		stmts := []string{
			fmt.Sprintf(`ALTER TABLE %s OWNER TO %s`, full, q(pp.migrator)),
			fmt.Sprintf(`REVOKE ALL ON %s FROM PUBLIC`, full),
		}
		// The migrations' own record is theirs alone; every other table is
		// the calls' to read and write.
		if t == plugin+"_migrations" {
			stmts = append(stmts, fmt.Sprintf(`REVOKE ALL ON %s FROM %s`, full, q(pp.role)))
		} else {
			stmts = append(stmts, fmt.Sprintf(`GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %s`, full, q(pp.role)))
		}
		// Grants the migration made to anyone else go.
		var grantees []string
		if err := w.db.NewRaw(`SELECT DISTINCT a.grantee::regrole::text FROM pg_class c, aclexplode(c.relacl) a
			WHERE c.oid = ?::regclass AND a.grantee <> 0 AND a.grantee::regrole::text NOT IN (?, ?)`, pp.schema+"."+t, pp.role, pp.migrator).Scan(ctx, &grantees); err != nil {
			return err
		}
		for _, g := range grantees {
			stmts = append(stmts, fmt.Sprintf(`REVOKE ALL ON %s FROM %s`, full, g))
		}
		if t != plugin+"_migrations" {
			var n int
			if err := w.db.NewRaw(`SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = 'organisation_id'`, pp.schema, t).Scan(ctx, &n); err != nil {
				return err
			}
			if n == 0 {
				return errNoOrganisation(t)
			}
			stmts = append(stmts,
				fmt.Sprintf(`ALTER TABLE %s ENABLE ROW LEVEL SECURITY`, full),
				fmt.Sprintf(`ALTER TABLE %s FORCE ROW LEVEL SECURITY`, full))
			var policies []string
			if err := w.db.NewRaw(`SELECT policyname FROM pg_policies WHERE schemaname = ? AND tablename = ?`, pp.schema, t).Scan(ctx, &policies); err != nil {
				return err
			}
			for _, p := range policies {
				stmts = append(stmts, fmt.Sprintf(`DROP POLICY %s ON %s`, q(p), full))
			}
			stmts = append(stmts, fmt.Sprintf(`CREATE POLICY atrium_scope ON %s USING (organisation_id = %s.atrium_scope()) WITH CHECK (organisation_id = %s.atrium_scope())`, full, q(pp.schema), q(pp.schema)))
		}
		for _, s := range stmts {
			if _, err := w.db.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("plugin database: %s: %w", t, err)
			}
		}
	}
	var sequences []string
	if err := w.db.NewRaw(`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind = 'S'`, pp.schema).Scan(ctx, &sequences); err != nil {
		return err
	}
	for _, seq := range sequences {
		full := q(pp.schema) + "." + q(seq)
		for _, s := range []string{fmt.Sprintf(`REVOKE ALL ON SEQUENCE %s FROM PUBLIC`, full), fmt.Sprintf(`GRANT USAGE, SELECT ON SEQUENCE %s TO %s`, full, q(pp.role))} {
			if _, err := w.db.ExecContext(ctx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// Table is the name a plugin's table is reached by through PluginDB: on
// PostgreSQL it lives in the plugin's schema.
func (w *Wall) Table(plugin, table string) string {
	if pp := w.postgres(plugin); pp != nil {
		return pp.schema + "." + table
	}
	return table
}

// PluginDB reaches a plugin's tables from the host's side, for tests and
// tools: the installation's database on PostgreSQL, the organisation's
// file of the plugin's on SQLite (made when there is none yet; the schema
// file, with no organisation's rows, if it cannot be).
func (w *Wall) PluginDB(plugin string, org int64) bun.IDB {
	if sp := w.sqlite(plugin); sp != nil {
		f, err := sp.file(context.Background(), org)
		if err != nil {
			w.log.Error("plugin database: cannot open an organisation's file", "plugin", plugin, "organisation", org, "error", err)
			return sp.schema.host
		}
		return f.host
	}
	return w.db
}

// Tables lists a plugin's tables by the names Table gives.
func (w *Wall) Tables(ctx context.Context, plugin string) ([]string, error) {
	var tables []string
	if pp := w.postgres(plugin); pp != nil {
		err := w.db.NewRaw(`SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname = ?`, pp.schema).Scan(ctx, &tables)
		return tables, err
	}
	err := w.PluginDB(plugin, 0).NewRaw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '!'`, plugin+"!_%").Scan(ctx, &tables)
	return tables, err
}
