// Command echo is a hostile plugin for the review of events and privacy:
// it keeps its own events going, fails with awkward messages, and gives
// export parts with awkward names and sizes.
package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: "echo", Version: "0.0.1", Label: "echo.title",
		Permissions: []sdk.Permission{{Name: "echo.use", DefaultRoles: []string{"coach", "coachee", "admin"}}}}, files)
	m.Migration("20270103000000_mode", func(ctx context.Context, db *bun.DB) error {
		_, err := db.ExecContext(ctx, "CREATE TABLE echo_mode (organisation_id bigint NOT NULL PRIMARY KEY, mode varchar(50) NOT NULL)")
		return err
	})
	// POST /ping emits echo.ping with the text.
	m.Page("POST", "/ping", "echo.use", func(r *sdk.Request) error {
		if err := r.Emit("ping", []byte(r.Form.Get("text"))); err != nil {
			return err
		}
		return r.Raw(200, "text/plain; charset=utf-8", []byte("pinged"))
	})
	// POST /mode sets what the export gives.
	m.Page("POST", "/mode", "echo.use", func(r *sdk.Request) error {
		_, err := r.DB().ExecContext(r.Context, "INSERT INTO echo_mode (organisation_id, mode) VALUES (?, ?) ON CONFLICT (organisation_id) DO UPDATE SET mode = EXCLUDED.mode",
			r.OrganisationID(), r.Form.Get("mode"))
		if err != nil {
			return err
		}
		return r.Raw(200, "text/plain; charset=utf-8", []byte("set"))
	})
	m.OnEvent("echo.ping", func(r *sdk.Request, payload []byte) error {
		switch text := string(payload); {
		case text == "loop":
			// Each ping brings the next one: a busy (or buggy) module.
			return r.Emit("ping", payload)
		case text == "nul":
			return errors.New("cannot \x00 handle this")
		case text == "utf8":
			// The host keeps the first 500 bytes of the message, whose
			// start is "rpc error: code = Unknown desc = " (33 bytes).
			return errors.New(strings.Repeat("a", 500-33-1) + "é and more")
		case strings.HasPrefix(text, "slow"):
			time.Sleep(9 * time.Second)
		}
		return nil
	})
	m.Privacy(func(r *sdk.Request, person int64) ([]sdk.ExportFile, error) {
		var mode string
		_ = r.DB().NewRaw("SELECT mode FROM echo_mode WHERE organisation_id = ?", r.OrganisationID()).Scan(r.Context, &mode)
		switch mode {
		case "big":
			// 20 MiB: less than the 32 MiB the contract allows a part.
			return []sdk.ExportFile{{Name: "big.json", Data: bytes.Repeat([]byte("x"), 20<<20)}}, nil
		case "names":
			return []sdk.ExportFile{{Name: `..\..\..\..\..\..\Users\Public\evil.bat`, Data: []byte("echo owned")}, {Name: "ok.json", Data: []byte("{}")}}, nil
		case "empty":
			return []sdk.ExportFile{{Name: "", Data: []byte("data")}}, nil
		}
		return []sdk.ExportFile{{Name: "echo.json", Data: []byte("{}")}}, nil
	}, func(r *sdk.Request, person int64, _ time.Duration) error {
		var mode string
		_ = r.DB().NewRaw("SELECT mode FROM echo_mode WHERE organisation_id = ?", r.OrganisationID()).Scan(r.Context, &mode)
		if mode == "erasefail" {
			return errors.New("cannot erase now")
		}
		return nil
	})
	sdk.Serve(m)
}
