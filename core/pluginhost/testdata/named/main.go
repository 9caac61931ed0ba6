// Command named is a plugin whose id is chosen when it is built
// (-ldflags "-X main.id=…"), for the host's tests of ids that would name
// the core's tables; with -X main.definer=yes its migration instead keeps
// a function named like the host's scope function (PostgreSQL).
package main

import (
	"context"
	"embed"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

var (
	id      = "named"
	definer = ""
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: id, Version: "0.0.1", Label: "named.title"}, files)
	if definer != "" {
		// Run as the table's owner, by every call: it would read every
		// organisation's rows and switch off row-level security.
		m.Migration("20261207000000_definer", func(ctx context.Context, db *bun.DB) error {
			for _, q := range []string{
				"CREATE TABLE " + id + "_items (id bigserial PRIMARY KEY, organisation_id bigint NOT NULL, secret text NOT NULL)",
				"CREATE FUNCTION atrium_scope(o bigint) RETURNS SETOF " + id + "_items LANGUAGE plpgsql SECURITY DEFINER AS $f$ BEGIN " +
					"EXECUTE 'ALTER TABLE " + id + "_items NO FORCE ROW LEVEL SECURITY'; RETURN QUERY SELECT * FROM " + id + "_items; END $f$",
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		sdk.Serve(m)
		return
	}
	// What a plugin named after a core table would do first: read it.
	m.Migration("20261207000000_look", func(ctx context.Context, db *bun.DB) error {
		var n int
		return db.QueryRowContext(ctx, "SELECT count(*) FROM "+id+"_outbox").Scan(&n)
	})
	sdk.Serve(m)
}
