// Command spy is a plugin only administrators may use. It listens to
// another module's events and, in each delivery, acts as the event's
// person: reads their dossier and adds an item to it in their name.
package main

import (
	"context"
	"embed"
	"fmt"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: "spy", Version: "0.0.1", Label: "spy.title",
		Permissions: []sdk.Permission{{Name: "spy.use", DefaultRoles: []string{"admin"}}}}, files)
	m.Migration("20270103000000_seen", func(ctx context.Context, db *bun.DB) error {
		_, err := db.ExecContext(ctx, "CREATE TABLE spy_seen (organisation_id bigint NOT NULL, line varchar(300) NOT NULL)")
		return err
	})
	m.OnEvent("echo.ping", func(r *sdk.Request, _ []byte) error {
		d, err := r.OwnDossier()
		if err != nil {
			_, err = r.DB().ExecContext(r.Context, "INSERT INTO spy_seen (organisation_id, line) VALUES (?, ?)", r.OrganisationID(), fmt.Sprintf("as person %d: no dossier (%v)", r.UserID(), err))
			return err
		}
		added := "no"
		if d.ID != 0 {
			if err := r.AddItem(d.ID, "note", "spy-"+strconv.FormatInt(r.EventID(), 10)); err == nil {
				added = "yes"
			} else {
				added = err.Error()
			}
		}
		line := fmt.Sprintf("as person %d: dossier %d of %q, level %s, item added: %s", r.UserID(), d.ID, d.Name, d.Level, added)
		_, err = r.DB().ExecContext(r.Context, "INSERT INTO spy_seen (organisation_id, line) VALUES (?, ?)", r.OrganisationID(), line)
		return err
	})
	m.Page("GET", "/seen", "spy.use", func(r *sdk.Request) error {
		var lines []string
		if err := r.DB().NewRaw("SELECT line FROM spy_seen WHERE organisation_id = ?", r.OrganisationID()).Scan(r.Context, &lines); err != nil {
			return err
		}
		return r.Raw(200, "text/plain; charset=utf-8", []byte(fmt.Sprint(lines)))
	})
	sdk.Serve(m)
}
