// Command hostile is a plugin that tries to escape the database wall, for the
// host's tests. Its page runs each attack and reports "refused" or "allowed".
package main

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: "hostile", Version: "0.0.1", Label: "hostile.title",
		Permissions: []sdk.Permission{{Name: "hostile.view", DefaultRoles: []string{"coach"}}}}, files)
	m.Migration("20261201000000_items", func(ctx context.Context, db *bun.DB) error {
		_, err := db.NewCreateTable().Model((*item)(nil)).Exec(ctx)
		return err
	})
	// A migration that opens its table to every organisation with a policy
	// of its own (its migration role owns the table): the host drops it.
	m.Migration("20261207000000_open_policy", func(ctx context.Context, db *bun.DB) error {
		if db.Dialect().Name() != dialect.PG {
			return nil
		}
		_, err := db.ExecContext(ctx, "CREATE POLICY open ON hostile_items USING (true) WITH CHECK (true)")
		return err
	})
	// Its start-page tile never comes in time, and it asks for a slot the
	// core does not have: the host leaves out both.
	m.Slot("home.tile", func(r *sdk.Request) (template.HTML, error) {
		select {
		case <-r.Context.Done():
		case <-time.After(time.Minute):
		}
		return "<p>the hostile tile</p>", nil
	})
	m.Slot("settings.section", func(r *sdk.Request) (template.HTML, error) {
		return `<h2>Hostile</h2><p id="hostile-settings">Settings of a plugin</p>`, nil
	})
	m.Slot("nowhere", func(r *sdk.Request) (template.HTML, error) { return "", nil })
	// It listens to the example's notes and keeps a row for each.
	m.OnEvent("example.note_added", func(r *sdk.Request, payload []byte) error {
		_, err := r.DB().ExecContext(r.Context, "INSERT INTO hostile_items (organisation_id, secret) VALUES (?, ?)", r.OrganisationID(), "heard note "+string(payload))
		return err
	})
	// Its demo data is a row naming the person it runs as; it refuses a
	// call that is not the demo's coach.
	m.Demo(func(r *sdk.Request, people sdk.DemoPeople) error {
		if people.Coach != r.UserID() {
			return fmt.Errorf("the demo runs as %d, not its coach %d", r.UserID(), people.Coach)
		}
		_, err := r.DB().ExecContext(r.Context, "INSERT INTO hostile_items (organisation_id, secret) VALUES (?, ?)", r.OrganisationID(), "demo as "+strconv.FormatInt(r.UserID(), 10))
		return err
	})
	// Each tick leaves a row, as nobody.
	m.Tick(func(r *sdk.Request) error {
		_, err := r.DB().ExecContext(r.Context, "INSERT INTO hostile_items (organisation_id, secret) VALUES (?, ?)", r.OrganisationID(), "tick as "+strconv.FormatInt(r.UserID(), 10))
		return err
	})
	// /add stores a row for the caller's organisation, as a well-behaved plugin would.
	m.Page("POST", "/add", "hostile.view", func(r *sdk.Request) error {
		_, err := r.DB().ExecContext(r.Context, "INSERT INTO hostile_items (organisation_id, secret) VALUES (?, ?)", r.OrganisationID(), r.Form.Get("secret"))
		if err != nil {
			return err
		}
		return r.Raw(200, "text/plain", []byte("ok"))
	})
	// /live is a page listening to one of its rooms and a dossier, and to
	// topics it may not hear (another plugin's room, someone else's own)
	// that the host leaves out, as it leaves out a dossier the person
	// cannot open.
	m.Page("GET", "/live", "hostile.view", func(r *sdk.Request) error {
		other, _ := strconv.ParseInt(r.Query.Get("user"), 10, 64)
		dossier, _ := strconv.ParseInt(r.Query.Get("dossier"), 10, 64)
		r.Listen(r.RoomTopic("live"), "room:example:notes", sdk.UserTopic(other), sdk.DossierTopic(dossier), "not a topic")
		return r.Render("live", "hostile.title", nil)
	})
	// /bench times n tunnelled queries (or, with call=people, n host calls
	// for a person) from inside the plugin, for the benchmark.
	m.Page("GET", "/bench", "hostile.view", func(r *sdk.Request) error {
		n, _ := strconv.Atoi(r.Query.Get("n"))
		started := time.Now()
		for i := 0; i < n; i++ {
			var err error
			if r.Query.Get("call") == "people" {
				_, err = r.People(r.UserID())
			} else {
				err = scalar(r.Context, r.DB(), "SELECT count(*) FROM hostile_items WHERE organisation_id = "+strconv.FormatInt(r.OrganisationID(), 10))
			}
			if err != nil {
				return err
			}
		}
		return r.Raw(200, "text/plain", []byte(strconv.FormatInt(time.Since(started).Nanoseconds()/int64(max(n, 1)), 10)))
	})
	// /tx tries transactions: kept, undone, left open, one inside another,
	// and a core table read from inside one. Each answers what happened.
	m.Page("POST", "/tx", "hostile.view", func(r *sdk.Request) error {
		db, ctx, org := r.DB(), r.Context, r.OrganisationID()
		insert := func(tx bun.Tx, secret string) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO hostile_items (organisation_id, secret) VALUES (?, ?)", org, secret)
			return err
		}
		out := map[string]string{}
		note := func(name string, err error) {
			out[name] = "ok"
			if err != nil {
				out[name] = err.Error()
			}
		}
		note("commit", db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := insert(tx, "kept 1"); err != nil {
				return err
			}
			// Reading inside the transaction sees its own write.
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM hostile_items WHERE secret = 'kept 1'").Scan(&n); err != nil || n != 1 {
				return fmt.Errorf("own write not visible: %d %v", n, err)
			}
			return insert(tx, "kept 2")
		}))
		note("rollback", db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := insert(tx, "undone"); err != nil {
				return err
			}
			return errNothing
		}))
		note("core table in a transaction", db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var n int
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n)
		}))
		outer, err := db.BeginTx(ctx, nil)
		note("left open", err)
		if err == nil {
			note("left open", insert(outer, "abandoned"))
			_, err := db.BeginTx(ctx, nil)
			note("second at once", err)
		}
		body, _ := json.Marshal(out)
		return r.Raw(200, "application/json", body)
	})
	// /writeread is a GET page that reads, writes, then reads again: the
	// second read must see the write, preloads or not.
	m.Page("GET", "/writeread", "hostile.view", func(r *sdk.Request) error {
		count := func() (int, error) {
			var n int
			err := r.DB().QueryRowContext(r.Context, "SELECT count(*) FROM hostile_items WHERE organisation_id = "+strconv.FormatInt(r.OrganisationID(), 10)).Scan(&n)
			return n, err
		}
		before, err := count()
		if err != nil {
			return err
		}
		if _, err := r.DB().ExecContext(r.Context, "INSERT INTO hostile_items (organisation_id, secret) VALUES (?, 'counted')", r.OrganisationID()); err != nil {
			return err
		}
		after, err := count()
		if err != nil {
			return err
		}
		return r.Raw(200, "text/plain", []byte(strconv.Itoa(before)+" "+strconv.Itoa(after)))
	})
	// /notify leaves a notice as asked, and answers what the host said.
	m.Page("POST", "/notify", "hostile.view", func(r *sdk.Request) error {
		user, _ := strconv.ParseInt(r.Form.Get("user"), 10, 64)
		if err := r.Notify(user, r.Form.Get("message"), r.Form.Get("link")); err != nil {
			return r.Raw(200, "text/plain", []byte("refused: "+err.Error()))
		}
		return r.Raw(200, "text/plain", []byte("ok"))
	})
	// Read state on any dossier and kind the test names: the host must
	// refuse dossiers the person cannot contribute to and kinds that are
	// not the plugin's own shape.
	m.Page("POST", "/item", "hostile.view", func(r *sdk.Request) error {
		id, _ := strconv.ParseInt(r.Form.Get("dossier"), 10, 64)
		answer := "ok"
		if err := r.AddItem(id, r.Form.Get("kind"), r.Form.Get("ref")); err != nil {
			answer = status.Code(err).String()
		}
		return r.Raw(200, "text/plain", []byte(answer))
	})
	// /v13 makes the contract's v1.3 calls with what the test sends and
	// answers each call's status code.
	m.Page("POST", "/v13", "hostile.view", func(r *sdk.Request) error {
		user, _ := strconv.ParseInt(r.Form.Get("user"), 10, 64)
		dossier, _ := strconv.ParseInt(r.Form.Get("dossier"), 10, 64)
		trajectory, _ := strconv.ParseInt(r.Form.Get("trajectory"), 10, 64)
		booked, _ := strconv.Atoi(r.Form.Get("booked"))
		code := func(err error) string { return status.Code(err).String() }
		out := map[string]string{}
		switch r.Form.Get("call") {
		case "mail":
			out["mail"] = code(r.Mail(user, sdk.Mail{Subject: r.Form.Get("subject"), Text: long(r, "text"), Calendar: []byte(r.Form.Get("calendar")), Method: r.Form.Get("method")}))
		case "sessions":
			out["sessions"] = code(r.SetSessions(dossier, trajectory, booked, 0))
		case "own":
			d, err := r.OwnDossier()
			out["own"], out["level"] = code(err), string(d.Level)
		case "dossier_of":
			d, err := r.DossierOf(user)
			out["dossier_of"], out["level"], out["id"] = code(err), string(d.Level), strconv.FormatInt(d.ID, 10)
		case "feed":
			_, err := r.NewFeedAddress()
			out["feed"] = code(err)
		case "publish":
			out["publish"] = code(r.Publish(r.Form.Get("topic"), r.Form.Get("event"), template.HTML(long(r, "html"))))
		case "audit":
			out["audit"] = code(r.Audit(r.Form.Get("action"), 0, long(r, "detail")))
		case "audit in a transaction":
			tx, err := r.DB().BeginTx(r.Context, nil)
			if err == nil {
				out["audit"] = code(r.Audit("inside", 0, ""))
				_ = tx.Rollback()
			}
		}
		body, _ := json.Marshal(out)
		return r.Raw(200, "application/json", body)
	})
	m.Page("GET", "/escape", "hostile.view", escape)
	// Answers a core page could load as its own script or style, and an
	// HTML page with a script, each of the type the test names.
	m.Page("GET", "/typed", "hostile.view", func(r *sdk.Request) error {
		return r.Raw(200, r.Query.Get("type"), []byte("<script>parent.pwned = 1</script>"))
	})
	m.Page("GET", "/attack", "hostile.view", func(r *sdk.Request) error {
		db, ctx := r.DB(), r.Context
		other := strconv.FormatInt(r.OrganisationID()+1000, 10)
		tries := map[string]func() error{
			// The control: its own rows must stay reachable, or every refusal proves nothing.
			"read its own rows": func() error {
				return scalar(ctx, db, "SELECT count(*) FROM hostile_items WHERE organisation_id = "+strconv.FormatInt(r.OrganisationID(), 10))
			},
			"read a core table":           func() error { return scalar(ctx, db, "SELECT count(*) FROM users") },
			"write a core table":          func() error { return exec(ctx, db, "UPDATE users SET given_name = 'pwned'") },
			"read another plugin's table": func() error { return scalar(ctx, db, "SELECT count(*) FROM example_notes") },
			"drop another plugin's table": func() error { return exec(ctx, db, "DROP TABLE example_notes") },
			"DDL outside migrations":      func() error { return exec(ctx, db, "CREATE TABLE hostile_extra (id INTEGER)") },
			"two statements in one":       func() error { return exec(ctx, db, "DELETE FROM hostile_items WHERE 1 = 0; DELETE FROM users") },
			"read the catalog":            func() error { return scalar(ctx, db, "SELECT count(*) FROM sqlite_master") },
			"read the PostgreSQL catalog": func() error { return scalar(ctx, db, "SELECT count(*) FROM pg_tables") },
			"attach a database":           func() error { return exec(ctx, db, "ATTACH DATABASE 'x.db' AS x") },
			"pragma":                      func() error { return exec(ctx, db, "PRAGMA foreign_keys = OFF") },
			"write the scope": func() error {
				return exec(ctx, db, "INSERT INTO atrium_plugin_scope (pid, organisation_id) VALUES (1, 1)")
			},
			"read another organisation's rows": func() error {
				var n int
				if err := db.QueryRowContext(ctx, "SELECT count(*) FROM hostile_items WHERE organisation_id <> "+strconv.FormatInt(r.OrganisationID(), 10)).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					return errNothing
				}
				return nil
			},
			"a million rows": func() error {
				rows, err := db.QueryContext(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000) SELECT x FROM c")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
				}
				return rows.Err()
			},
			"rewrite the record of migrations": func() error {
				return exec(ctx, db, "UPDATE hostile_migrations SET applied_at = applied_at")
			},
			"write into another organisation": func() error {
				return exec(ctx, db, "INSERT INTO hostile_items (organisation_id, secret) VALUES ("+other+", 'planted')")
			},
		}
		// What the review of the wall found on PostgreSQL, where the engine
		// now refuses it: hidden statements after quoting tricks, undoing the
		// role inside a statement, temporary tables that shadow core tables,
		// core names spelled in Unicode escapes, reaching the operating system.
		if r.Query.Get("engine") == "postgres" {
			for name, q := range map[string]string{
				"hidden statement after E''":        `SELECT E'\''; RESET ROLE; COPY (SELECT 1) TO PROGRAM 'true'; SELECT 1 --'`,
				"hidden statement after $x$":        `SELECT $x$'$x$; DELETE FROM audit_events; SELECT 1 --'`,
				"COPY TO PROGRAM":                   `COPY (SELECT 1) TO PROGRAM 'true'`,
				"a temporary table":                 `CREATE TEMP TABLE sessions AS SELECT 1 AS id`,
				"delete the audit log":              `DELETE FROM audit_events`,
				"become the superuser":              `SELECT set_config('session_authorization', 'postgres', false)`,
				"a policy of its own":               `CREATE POLICY open ON hostile_items USING (true)`,
				"switch off row-level security":     `ALTER TABLE hostile_items NO FORCE ROW LEVEL SECURITY`,
				"a large object outside the schema": `SELECT lo_from_bytea(0, 'loot'::bytea)`,
			} {
				tries[name] = func() error { return exec(ctx, db, q) }
			}
			// Taken, a session lock on a pooled connection once outlived the
			// call and held up the core's migrations; the test checks it ends
			// with the call.
			_ = scalar(ctx, db, "SELECT pg_advisory_lock("+r.Query.Get("lock")+")")
			tries["undo the role, then read users"] = func() error {
				return scalar(ctx, db, `SELECT length(query_to_xml('select email, password_hash from users', true, true, '')::text) FROM (SELECT set_config('role', 'none', true)) AS undone`)
			}
			tries["read users by a Unicode name"] = func() error { return scalar(ctx, db, `SELECT count(*) FROM U&"\0075sers"`) }
			tries["a search path into the core"] = func() error {
				return scalar(ctx, db, `SELECT count(*) FROM (SELECT set_config('search_path', 'public,'||current_schema(), false)) AS s, users`)
			}
		}
		// What the review found on SQLite, where the authorizer and a file of
		// the plugin's own now refuse it.
		if r.Query.Get("engine") == "sqlite" {
			for name, q := range map[string]string{
				"hidden statement after a bracket":   "SELECT 1 AS [a']; DELETE FROM hostile_items; --'",
				"hidden statement after a backtick":  "SELECT 1 AS `a'`; DELETE FROM hostile_items; --'",
				"delete the audit log":               "DELETE FROM audit_events",
				"make the connection read-only":      "PRAGMA query_only = 1",
				"attach the installation's database": "ATTACH DATABASE '" + r.Query.Get("core") + "' AS core",
				"a temporary trigger":                "CREATE TEMP TRIGGER t AFTER INSERT ON hostile_items BEGIN SELECT 1; END",
				"a trigger":                          "CREATE TRIGGER t AFTER INSERT ON hostile_items BEGIN DELETE FROM hostile_items; END",
				"a view":                             "CREATE VIEW hostile_v AS SELECT * FROM hostile_items",
				"copy users":                         "CREATE TABLE hostile_loot AS SELECT * FROM users",
				"load an extension":                  "SELECT load_extension('/tmp/x.so')",
			} {
				tries[name] = func() error { return exec(ctx, db, q) }
			}
			tries["a 500 MB value"] = func() error { return scalar(ctx, db, "SELECT length(zeroblob(500000000))") }
			tries["a row of 150 wide columns"] = func() error {
				cols := make([]string, 150)
				for i := range cols {
					cols[i] = "zeroblob(1000000) AS c" + strconv.Itoa(i)
				}
				return scalar(ctx, db, "SELECT "+strings.Join(cols, ", "))
			}
			tries["a statement added by an argument"] = func() error {
				// Through database/sql (bun on the plugin's side would quote
				// it): the attack worked if the rows are gone.
				var before, after int
				_ = db.QueryRowContext(ctx, "SELECT count(*) FROM hostile_items").Scan(&before)
				_, _ = db.DB.ExecContext(ctx, "SELECT 1 /* ? */", "*/; DELETE FROM hostile_items; /*")
				_ = db.QueryRowContext(ctx, "SELECT count(*) FROM hostile_items").Scan(&after)
				if before == 0 || after == before {
					return errNothing
				}
				return nil
			}
			tries["a semicolon storm"] = func() error { return scalar(ctx, db, "SELECT '"+strings.Repeat(";", 100000)+"'") }
		}
		out := map[string]string{}
		for name, try := range tries {
			if err := try(); err != nil {
				out[name] = "refused"
			} else {
				out[name] = "allowed"
			}
		}
		body, _ := json.Marshal(out)
		return r.Raw(200, "application/json", body)
	})
	sdk.Serve(m)
}

type item struct {
	bun.BaseModel  `bun:"table:hostile_items"`
	ID             int64  `bun:"id,pk,autoincrement"`
	OrganisationID int64  `bun:"organisation_id,notnull"`
	Secret         string `bun:"secret,notnull"`
}

type nothing struct{}

func (nothing) Error() string { return "nothing visible" }

var errNothing error = nothing{}

func scalar(ctx context.Context, db *bun.DB, q string) error {
	var n int
	return db.QueryRowContext(ctx, q).Scan(&n)
}

func exec(ctx context.Context, db *bun.DB, q string) error {
	_, err := db.ExecContext(ctx, q)
	return err
}

// long is a form value repeated "repeat" times: longer than any form field
// may carry to a plugin, to try the host's own limits.
func long(r *sdk.Request, name string) string {
	if n, err := strconv.Atoi(r.Form.Get("repeat")); err == nil && n > 0 {
		return strings.Repeat(r.Form.Get(name), n)
	}
	return r.Form.Get(name)
}
