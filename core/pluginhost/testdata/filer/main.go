// Command filer is a plugin that keeps files for the host's tests of
// uploads and downloads: each person's box of files, which only they (or
// someone with filer.all) may open.
package main

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() {
	m := sdk.New(sdk.Manifest{ID: "filer", Version: "0.0.1", Label: "filer.title",
		Permissions: []sdk.Permission{
			{Name: "filer.use", DefaultRoles: []string{"coach", "coachee", "admin"}},
			{Name: "filer.all", DefaultRoles: []string{"admin"}},
		}}, files)
	m.Page("GET", "/", "filer.use", func(r *sdk.Request) error { return box(r, 200, nil) })
	upload := func(r *sdk.Request) error {
		if len(r.Refused) > 0 {
			return box(r, 422, r.Refused)
		}
		up, err := r.Files().Uploaded("doc")
		if err != nil {
			return err
		}
		if len(up) == 0 {
			return box(r, 422, map[string]string{"doc": r.T("filer.choose")})
		}
		ids := make([]int64, len(up))
		for i, f := range up {
			ids[i] = f.ID
		}
		if _, err := r.Files().Claim(boxOf(r.UserID()), 0, ids...); err != nil {
			return err
		}
		return r.Redirect("/")
	}
	m.UploadPage("POST", "/upload", "filer.use", sdk.Upload{Fields: []string{"doc"}, Accept: []string{"pdf", "image"},
		MaxBytes: 1 << 20, MaxFiles: 3}, upload)
	// Large files, as large as the subscription allows (for benchmarks).
	m.UploadPage("POST", "/big", "filer.use", sdk.Upload{Fields: []string{"doc"}, Accept: []string{"pdf"}}, upload)
	// Web pages, which only a use that names them takes.
	m.UploadPage("POST", "/pages", "filer.use", sdk.Upload{Fields: []string{"doc"}, Accept: []string{"text/html"}}, upload)
	// A page that takes a note with its form, but answers an error: the
	// host removes the files it brought.
	m.UploadPage("POST", "/refuse", "filer.use", sdk.Upload{Fields: []string{"doc"}}, func(r *sdk.Request) error {
		return r.Fail(422)
	})
	m.Page("GET", "/f/:id", "filer.use", func(r *sdk.Request) error {
		f, err := mine(r)
		if err != nil {
			return err
		}
		return r.SendFile(f.ID, r.Query.Get("inline") == "1")
	})
	// A file the module makes, then reads back.
	m.Page("POST", "/made", "filer.use", func(r *sdk.Request) error {
		f, err := r.Files().Put("notes "+r.Form.Get("n")+".txt", boxOf(r.UserID()), 0, strings.NewReader(r.Form.Get("text")), "text")
		if err != nil {
			return err
		}
		return r.Raw(200, "text/plain; charset=utf-8", []byte(strconv.FormatInt(f.ID, 10)))
	})
	m.Page("GET", "/read/:id", "filer.use", func(r *sdk.Request) error {
		f, err := mine(r)
		if err != nil {
			return err
		}
		_, rc, err := r.Files().Open(f.ID)
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		return r.Raw(200, "text/plain; charset=utf-8", []byte(fmt.Sprintf("%s %d %s\n%s", f.Name, f.Size, f.ContentType, b)))
	})
	m.Page("POST", "/delete/:id", "filer.use", func(r *sdk.Request) error {
		f, err := mine(r)
		if err != nil {
			return err
		}
		if err := r.Files().Delete(f.ID); err != nil {
			return err
		}
		return r.Redirect("/")
	})
	// Its matches for a search: the person's own files whose name holds
	// the text.
	m.Slot("search.results", func(r *sdk.Request) (template.HTML, error) {
		list, err := r.Files().Of(boxOf(r.UserID()))
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for _, f := range list {
			if strings.Contains(strings.ToLower(f.Name), strings.ToLower(r.Params["q"])) {
				fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, r.URL(fmt.Sprintf("/f/%d", f.ID)), template.HTMLEscapeString(f.Name))
			}
		}
		if b.Len() == 0 {
			return "", nil
		}
		return template.HTML(`<ul class="filer-found">` + b.String() + `</ul>`), nil
	})
	sdk.Serve(m)
}

func boxOf(user int64) string { return "box:" + strconv.FormatInt(user, 10) }

// mine is the file the address names, if the person may open it: their
// own, or anyone's with filer.all.
func mine(r *sdk.Request) (sdk.File, error) {
	id, err := r.ParamID("id")
	if err != nil {
		return sdk.File{}, err
	}
	got, err := r.Files().Get(id)
	if err != nil {
		return sdk.File{}, err
	}
	if len(got) == 0 || (got[0].Ref != boxOf(r.UserID()) && !r.Can("filer.all")) {
		return sdk.File{}, sdk.ErrNotFound
	}
	return got[0], nil
}

// box is the person's files and the upload form, with what was refused.
func box(r *sdk.Request, status int, refused map[string]string) error {
	list, err := r.Files().Of(boxOf(r.UserID()))
	if err != nil {
		return err
	}
	return r.RenderStatus(status, "index", r.T("filer.title"), map[string]any{"Files": list, "Refused": refused})
}
