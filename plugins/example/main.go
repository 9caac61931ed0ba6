// Command example is the smallest complete Atrium plugin: a page with a form,
// a start-page tile and a permission, with English and Dutch messages. It is
// the starting point for vendors (`atrium plugin new` copies it).
package main

import (
	"embed"
	"html/template"
	"strings"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{
		ID: "example", Version: "1.0.0", Label: "example.title", Summary: "example.summary", Icon: "puzzle",
		Permissions: []sdk.Permission{{Name: "example.view", DefaultRoles: []string{"coach", "coachee"}}},
		Navigation:  []sdk.NavEntry{{Label: "example.title", Icon: "puzzle", Path: "/", Permission: "example.view"}},
	}, files)

	m.Page("GET", "/", "example.view", func(r *sdk.Request) error {
		// Asking the host about people: only people of this organisation come back.
		me, err := r.People(r.UserID())
		if err != nil || len(me) == 0 {
			return err
		}
		return r.Render("index", "example.title", map[string]any{"Name": me[0].Name, "Roles": me[0].Roles})
	})
	m.Page("POST", "/", "example.view", func(r *sdk.Request) error {
		name := strings.TrimSpace(r.Form.Get("name"))
		if name == "" || len(name) > 60 {
			return r.RenderStatus(422, "index", "example.title", map[string]any{"Name": r.UserName(), "Error": "example.name_required"})
		}
		if err := r.Audit("greeted", 0, name); err != nil {
			return err
		}
		return r.Render("index", "example.title", map[string]any{"Name": r.UserName(), "Greeting": name})
	})
	m.Slot("home.tile", func(r *sdk.Request) (template.HTML, error) {
		if !r.Can("example.view") {
			return "", nil
		}
		return r.Fragment("tile", nil)
	})
	sdk.Serve(m)
}
