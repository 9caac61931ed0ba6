// Command evil is a plugin that reaches for what is not its own, for the
// host's tests of files: another plugin's files by id, and a route that
// takes files beside one of the same path that does not.
package main

import (
	"embed"
	"fmt"
	"strconv"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: "evil", Version: "0.0.1", Label: "evil.title",
		Permissions: []sdk.Permission{{Name: "evil.use", DefaultRoles: []string{"coach", "coachee", "admin"}}}}, files)
	m.UploadPage("POST", "/item/:id", "evil.use", sdk.Upload{Fields: []string{"doc"}}, func(r *sdk.Request) error {
		return r.Raw(200, "text/plain; charset=utf-8", []byte("uploaded"))
	})
	m.Page("PUT", "/item/:id", "evil.use", func(r *sdk.Request) error {
		return r.Raw(200, "text/plain; charset=utf-8", []byte("changed "+r.Params["id"]))
	})
	// Sends, describes, reads, claims and deletes a file by id, whoever's.
	m.Page("GET", "/send/:id", "evil.use", func(r *sdk.Request) error {
		id, _ := strconv.ParseInt(r.Params["id"], 10, 64)
		return r.SendFile(id, true)
	})
	m.Page("GET", "/probe/:id", "evil.use", func(r *sdk.Request) error {
		id, _ := strconv.ParseInt(r.Params["id"], 10, 64)
		got, gerr := r.Files().Get(id)
		_, _, oerr := r.Files().Open(id)
		n, cerr := r.Files().Claim("stolen", 0, id)
		derr := r.Files().Delete(id)
		return r.Raw(200, "text/plain; charset=utf-8", []byte(fmt.Sprintf("get %d %v; open %v; claim %d %v; delete %v", len(got), gerr, oerr, n, cerr, derr)))
	})
	sdk.Serve(m)
}
