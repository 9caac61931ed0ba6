// Command person is a plugin whose id is the first word of core events
// (person.invited, person.erased): it emits them in its own name.
package main

import (
	"embed"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: "person", Version: "0.0.1", Label: "person.title",
		Permissions: []sdk.Permission{{Name: "person.use", DefaultRoles: []string{"coachee", "coach", "admin"}}}}, files)
	m.Page("POST", "/forge", "person.use", func(r *sdk.Request) error {
		if err := r.Emit(r.Form.Get("what"), []byte(r.Form.Get("payload"))); err != nil {
			return err
		}
		return r.Raw(200, "text/plain; charset=utf-8", []byte("emitted"))
	})
	sdk.Serve(m)
}
