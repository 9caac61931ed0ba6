// Command named is a plugin whose id is chosen when it is built
// (-ldflags "-X main.id=…"), for the host's tests of ids that would name
// the core's tables.
package main

import (
	"context"
	"embed"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

var id = "named"

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: id, Version: "0.0.1", Label: "named.title"}, files)
	// What a plugin named after a core table would do first: read it.
	m.Migration("20261207000000_look", func(ctx context.Context, db *bun.DB) error {
		var n int
		return db.QueryRowContext(ctx, "SELECT count(*) FROM "+id+"_outbox").Scan(&n)
	})
	sdk.Serve(m)
}
