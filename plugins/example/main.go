// Code generated from plugins/scaffold/skeleton (go test ./plugins/scaffold -update); DO NOT EDIT.

// Command example is the smallest complete Atrium plugin: a page with a form,
// a table of its own with a migration, a start-page tile and a permission,
// with English and Dutch messages. It is the starting point for vendors
// (`atrium plugin new` writes it, under another name, from the same
// skeleton). handlers_test.go tests its pages against the SDK's fake host
// (sdktest), main_test.go the plugin as it ships, in Atrium.
package main

import (
	"context"
	"embed"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

// note is one row of the plugin's table. Every plugin table is named
// <id>_… and has organisation_id: the host refuses the plugin otherwise.
type note struct {
	bun.BaseModel  `bun:"table:example_notes"`
	ID             int64     `bun:"id,pk,autoincrement"`
	OrganisationID int64     `bun:"organisation_id,notnull"`
	AuthorID       int64     `bun:"author_id,notnull"`
	DossierID      *int64    `bun:"dossier_id"` // set for a note about one person (added in a later migration)
	Text           string    `bun:"text,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

func main() { sdk.Serve(module()) }

// module describes the module and adds its migrations, pages and slots:
// main serves it, and the tests call it.
func module() *sdk.Module {
	m := sdk.New(sdk.Manifest{
		ID: "example", Version: "1.0.0", Label: "example.title", Summary: "example.summary", Icon: "puzzle",
		Permissions: []sdk.Permission{{Name: "example.view", DefaultRoles: []string{"coach", "coachee"}}},
		Navigation:  []sdk.NavEntry{{Label: "example.title", Icon: "puzzle", Path: "/", Permission: "example.view"}},
	}, files)

	// A migration keeps its own copy of the table as it was then, so that a
	// later change to the model never changes what it did.
	m.Migration("20261201090000_notes", func(ctx context.Context, db *bun.DB) error {
		type note struct {
			bun.BaseModel  `bun:"table:example_notes"`
			ID             int64     `bun:"id,pk,autoincrement"`
			OrganisationID int64     `bun:"organisation_id,notnull"`
			AuthorID       int64     `bun:"author_id,notnull"`
			Text           string    `bun:"text,notnull"`
			CreatedAt      time.Time `bun:"created_at,notnull"`
		}
		_, err := db.NewCreateTable().Model((*note)(nil)).Exec(ctx)
		return err
	})
	m.Migration("20261202090000_dossier_notes", func(ctx context.Context, db *bun.DB) error {
		_, err := db.NewAddColumn().Table("example_notes").ColumnExpr("dossier_id BIGINT").Exec(ctx)
		return err
	})

	m.Page("GET", "/", "example.view", func(r *sdk.Request) error {
		return page(r, 200, "")
	})
	m.Page("POST", "/", "example.view", func(r *sdk.Request) error {
		ok, err := addNote(r, r.Form.Get("text"))
		if err != nil {
			return err
		}
		if !ok {
			return page(r, 422, "example.text_required")
		}
		return r.Redirect("/")
	})
	// A protocol endpoint for apps that sign in with an app password:
	// GET (or PROPFIND) /dav/example/ answers the organisation's notes as
	// plain text, PUT adds the body as a note. Protocol endpoints have no
	// permission in their route, so the handler checks it.
	m.Protocol(func(r *sdk.Request) error {
		if !r.Can("example.view") {
			return r.Raw(403, "text/plain; charset=utf-8", []byte("example.view is needed\n"))
		}
		if r.Method == "PUT" {
			ok, err := addNote(r, string(r.Body))
			if err != nil {
				return err
			}
			if !ok {
				return r.Raw(400, "text/plain; charset=utf-8", []byte(r.T("example.text_required")+"\n"))
			}
			return r.Raw(201, "text/plain; charset=utf-8", nil)
		}
		var notes []note
		if err := r.DB().NewSelect().Model(&notes).Where("organisation_id = ?", r.OrganisationID()).Order("id").Scan(r.Context); err != nil {
			return err
		}
		var b strings.Builder
		for _, n := range notes {
			b.WriteString(n.Text + "\n")
		}
		return r.Raw(200, "text/plain; charset=utf-8", []byte(b.String()))
	})
	m.Slot("home.tile", func(r *sdk.Request) (template.HTML, error) {
		if !r.Can("example.view") {
			return "", nil
		}
		return r.Fragment("tile", nil)
	})
	// A card on a person's page: how many notes they wrote here. The host
	// names only members of the organisation in person_id.
	m.Slot("person.card", func(r *sdk.Request) (template.HTML, error) {
		person, err := strconv.ParseInt(r.Params["person_id"], 10, 64)
		if err != nil || !r.Can("example.view") {
			return "", nil
		}
		n, err := r.DB().NewSelect().Model((*note)(nil)).Where("organisation_id = ? AND author_id = ?", r.OrganisationID(), person).Count(r.Context)
		if err != nil {
			return "", err
		}
		// Asking the host about people: only people of this organisation come back.
		who, err := r.People(person)
		if err != nil || len(who) == 0 {
			return "", err
		}
		return r.Fragment("card", map[string]any{"Notes": n, "Name": who[0].Name})
	})
	// A card on a dossier's page: the notes about that person. The host
	// says what the viewer may do there (params["level"]); the viewer may be
	// of another organisation the dossier is shared with.
	m.Slot("dossier.card", dossierCard)
	m.Page("POST", "/dossiers/:id/notes", "example.view", addDossierNote)
	return m
}

// dossierCard lists the newest notes about a dossier's person, new ones
// marked, with a form for those who may contribute.
func dossierCard(r *sdk.Request) (template.HTML, error) {
	id, err := strconv.ParseInt(r.Params["dossier_id"], 10, 64)
	level := sdk.Level(r.Params["level"])
	if err != nil || !level.AtLeast("view") {
		return "", nil
	}
	var notes []note
	err = r.DB().NewSelect().Model(&notes).Where("organisation_id = ? AND dossier_id = ?", r.OrganisationID(), id).Order("id DESC").Limit(5).Scan(r.Context)
	if err != nil {
		return "", err
	}
	refs := make([]string, len(notes))
	for i, n := range notes {
		refs[i] = strconv.FormatInt(n.ID, 10)
	}
	read, err := r.ReadState(id, "note", refs)
	if err != nil {
		return "", err
	}
	return r.Fragment("dossier", map[string]any{"DossierID": id, "Notes": notes, "Read": read, "CanAdd": level.AtLeast("contribute")})
}

// addDossierNote keeps a note about a dossier's person. The level is asked
// of the host, never taken from the form.
func addDossierNote(r *sdk.Request) error {
	id, err := strconv.ParseInt(r.Params["id"], 10, 64)
	if err != nil {
		return r.Fail(404)
	}
	info, err := r.Dossier(id)
	if err != nil {
		return err
	}
	switch {
	case !info.Level.AtLeast("view"):
		return r.Fail(404) // as if there were no such dossier
	case !info.Level.AtLeast("contribute"):
		return r.Fail(403)
	}
	text := strings.TrimSpace(r.Form.Get("text"))
	if text == "" || len([]rune(text)) > 500 {
		return r.RedirectToDossier(id)
	}
	n := &note{OrganisationID: r.OrganisationID(), AuthorID: r.UserID(), DossierID: &id, Text: text, CreatedAt: time.Now().UTC()}
	if _, err := r.DB().NewInsert().Model(n).Exec(r.Context); err != nil {
		return err
	}
	// New to everyone else who may open the dossier: a red dot for them.
	if err := r.AddItem(id, "note", strconv.FormatInt(n.ID, 10)); err != nil {
		return err
	}
	return r.RedirectToDossier(id)
}

// addNote keeps a note of 1 to 500 characters; ok is false for other text.
func addNote(r *sdk.Request, text string) (ok bool, err error) {
	text = strings.TrimSpace(text)
	if text == "" || len([]rune(text)) > 500 {
		return false, nil
	}
	n := &note{OrganisationID: r.OrganisationID(), AuthorID: r.UserID(), Text: text, CreatedAt: time.Now().UTC()}
	if _, err := r.DB().NewInsert().Model(n).Exec(r.Context); err != nil {
		return false, err
	}
	if err := r.Audit("note_added", 0, ""); err != nil {
		return false, err
	}
	// Other plugins may listen: they receive "example.note_added".
	return true, r.Emit("note_added", []byte(strconv.FormatInt(n.ID, 10)))
}

// page shows the organisation's notes, newest first, and the form.
func page(r *sdk.Request, status int, problem string) error {
	var notes []note
	err := r.DB().NewSelect().Model(&notes).Where("organisation_id = ?", r.OrganisationID()).Order("id DESC").Limit(20).Scan(r.Context)
	if err != nil {
		return err
	}
	// The person's name and roles come with the call: no host call needed.
	return r.RenderStatus(status, "index", "example.title", map[string]any{"Name": r.UserName(), "Roles": r.Roles(), "Notes": notes, "Error": problem})
}
