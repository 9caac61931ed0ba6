// Command herald is a plugin that emits events and hears them, for the
// host's tests of the event log: inside a transaction that commits or
// rolls back, handled slowly (to be killed in the middle), and from the
// log's history (the core's dossier events before it first started).
package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: "herald", Version: "0.0.1", Label: "herald.title", EventHistory: true,
		Permissions: []sdk.Permission{{Name: "herald.use", DefaultRoles: []string{"coach", "admin"}}}}, files)
	m.Migration("20270103000000_heard", func(ctx context.Context, db *bun.DB) error {
		for _, q := range []string{
			"CREATE TABLE herald_heard (organisation_id bigint NOT NULL, event_id bigint NOT NULL, text varchar(200) NOT NULL, heard_ms bigint NOT NULL, PRIMARY KEY (organisation_id, event_id))",
			"CREATE TABLE herald_deliveries (organisation_id bigint NOT NULL, event_id bigint NOT NULL)",
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	// POST /say: emits "herald.said" with the text, in a transaction that
	// commits ("commit"), rolls back ("rollback"), or in none.
	m.Page("POST", "/say", "herald.use", func(r *sdk.Request) error {
		text := r.Form.Get("text")
		switch r.Form.Get("mode") {
		case "commit", "rollback":
			err := r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
				if err := r.Emit("said", []byte(text)); err != nil {
					return err
				}
				if r.Form.Get("mode") == "rollback" {
					return errors.New("rolled back on purpose")
				}
				return nil
			})
			if err != nil {
				return r.Raw(409, "text/plain; charset=utf-8", []byte(err.Error()))
			}
		default:
			if err := r.Emit("said", []byte(text)); err != nil {
				return err
			}
		}
		return r.Raw(200, "text/plain; charset=utf-8", []byte("said"))
	})
	// Hearing: each delivery handled is kept (twice if delivered twice);
	// what was heard once, by the event's id.
	hear := func(r *sdk.Request, text string) error {
		if text == "poison" {
			return errors.New("this event can never be handled")
		}
		if strings.HasPrefix(text, "slow") {
			time.Sleep(150 * time.Millisecond)
		}
		return r.DB().RunInTx(r.Context, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO herald_deliveries (organisation_id, event_id) VALUES (?, ?)", r.OrganisationID(), r.EventID()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO herald_heard (organisation_id, event_id, text, heard_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
				r.OrganisationID(), r.EventID(), text, time.Now().UnixMilli())
			return err
		})
	}
	m.OnEvent("herald.said", func(r *sdk.Request, payload []byte) error { return hear(r, string(payload)) })
	m.OnEvent("dossier.registered", func(r *sdk.Request, payload []byte) error { return hear(r, "dossier "+string(payload)) })
	// GET /heard: what was heard, in the log's order, then each event's
	// deliveries.
	m.Page("GET", "/heard", "herald.use", func(r *sdk.Request) error {
		var heard []struct {
			EventID int64  `bun:"event_id"`
			Text    string `bun:"text"`
		}
		if err := r.DB().NewRaw("SELECT event_id, text FROM herald_heard WHERE organisation_id = ? ORDER BY event_id", r.OrganisationID()).Scan(r.Context, &heard); err != nil {
			return err
		}
		var twice []int64
		if err := r.DB().NewRaw("SELECT event_id FROM herald_deliveries WHERE organisation_id = ? GROUP BY event_id HAVING COUNT(*) > 1 ORDER BY event_id", r.OrganisationID()).Scan(r.Context, &twice); err != nil {
			return err
		}
		var b strings.Builder
		for _, h := range heard {
			fmt.Fprintf(&b, "%d %s\n", h.EventID, h.Text)
		}
		fmt.Fprintf(&b, "twice %v\n", twice)
		return r.Raw(200, "text/plain; charset=utf-8", []byte(b.String()))
	})
	sdk.Serve(m)
}
