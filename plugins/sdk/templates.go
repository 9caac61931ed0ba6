package sdk

import (
	"bytes"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/atriumhq/atrium/plugins/sdk/messages"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
	"github.com/atriumhq/atrium/plugins/sdk/richtext"
)

// load parses the module's templates and message files.
func (m *Module) load(files fs.FS) error {
	locales, err := fs.Sub(files, "locales")
	if err != nil {
		return err
	}
	if m.catalog, err = messages.Load(locales); err != nil {
		return err
	}
	names, _ := fs.Glob(locales, "*.toml")
	for _, name := range names {
		data, err := fs.ReadFile(locales, name)
		if err != nil {
			return err
		}
		m.localeRaw = append(m.localeRaw, &pluginv1.LocaleFile{Locale: strings.TrimSuffix(name, ".toml"), Toml: data})
	}
	// The set's own name is one no file can have: a template named like the
	// module ("agenda.html" in the agenda) would otherwise replace it.
	m.templates = template.New("sdk:templates").Funcs(placeholders)
	return fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		src, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		_, err = m.templates.New(name).Parse(string(src))
		return err
	})
}

// placeholders declares the template functions; each render binds them to
// the request.
var placeholders = template.FuncMap{
	"t":      func(string, ...any) string { return "" },
	"term":   func(string, ...int) string { return "" },
	"csrf":   func() template.HTML { return "" },
	"url":    func(string) string { return "" },
	"editor": func(string, string) template.HTML { return "" },
	"dict":   dict,
	"join":   strings.Join,
}

// dict builds a map from key/value pairs, for passing data to t.
func dict(pairs ...any) map[string]any {
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		if k, ok := pairs[i].(string); ok {
			m[k] = pairs[i+1]
		}
	}
	return m
}

// render executes a template with functions bound to the request. It takes
// a clone of the never-executed master from a pool (html/template fixes
// functions at first execution, so each clone has them rebound per render,
// and cloning per render would cost more than the render).
func (m *Module) render(r *Request, name string, data any) ([]byte, error) {
	tmpl, _ := m.clones.Get().(*template.Template)
	if tmpl == nil {
		var err error
		if tmpl, err = m.templates.Clone(); err != nil {
			return nil, err
		}
	}
	defer m.clones.Put(tmpl)
	loc := r.localizer()
	tmpl.Funcs(template.FuncMap{
		"t":    loc.T,
		"term": loc.Term,
		"csrf": func() template.HTML {
			return template.HTML(`<input type="hidden" name="_csrf" value="` + template.HTMLEscapeString(r.ctx.GetCsrf()) + `">`)
		},
		"url": r.URL,
		// editor is a text field with the writing aids (richtext.Editor):
		// {{editor "body" .Body}}; its id is f-<name>.
		"editor": func(name, value string) template.HTML {
			return richtext.Editor(richtext.EditorField{ID: "f-" + name, Name: name, Value: value, Locale: r.Locale()})
		},
	})
	var buf bytes.Buffer
	err := tmpl.ExecuteTemplate(&buf, name, data)
	return buf.Bytes(), err
}

func (r *Request) localizer() *messages.Localizer { return r.localizerFor(r.ctx.GetLocale()) }

// TFor translates one of the plugin's messages for someone who reads
// locale, such as the recipient of a mail, with the organisation's terms.
// Since contract v1.3.
func (r *Request) TFor(locale, id string, args ...any) string {
	return r.localizerFor(locale).T(id, args...)
}

func (r *Request) localizerFor(locale string) *messages.Localizer {
	loc := r.module.catalog.Localizer(locale)
	words := map[string]messages.Words{}
	for k, w := range r.ctx.GetTerms() {
		words[k] = messages.Words{One: w.GetOne(), Other: w.GetOther()}
	}
	return loc.WithTerms(words)
}
