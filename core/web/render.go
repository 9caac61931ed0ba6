package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"sync"

	"github.com/gofiber/template/html/v2"

	"github.com/atriumhq/atrium/core/i18n"
	"github.com/atriumhq/atrium/plugins/sdk/richtext"
)

// Page is what a handler asks Render to show.
type Page struct {
	// Template is the page's fragment, such as "pages/home".
	Template string
	// Title is the message id of the page's title.
	Title string
	// TitleText is a title already translated (a plugin's); it wins over Title.
	TitleText string
	// Status is the HTTP status; zero means 200.
	Status int
	// Data is the handler's own data, reached in templates as .Data.
	Data any
	// Layout wraps the whole page; "" is the main layout with navigation.
	Layout string
}

// View is the data every template receives.
type View struct {
	Page
	Locale    string
	Locales   []string
	Path      string
	CSRF      string
	RequestID string
	Flash     *Flash
	Nav       []NavItem
	Panels    []NavItem // buttons that open a module's page in the side panel
	Shell     Shell
	Version   string
	// Viewer is the person signed in with both steps; nil for visitors and
	// for someone who has only done the password step.
	Viewer *Viewer
	// Pending is where someone who has only done the password step goes on
	// (the code, or setting up an authenticator); "" for everyone else.
	Pending string
	// Live is the tab's event stream; nil for visitors.
	Live *Live
	// Content is the rendered fragment, set for the layout only.
	Content template.HTML
}

// Shell is the request's organisation as the layout shows it: its name and
// logo place, and the language it speaks by default.
type Shell struct {
	OrganisationName string
	Initials         string
	Locale           string
	// BrandCSS and LogoURL are the organisation's look, "" for the theme's.
	BrandCSS, LogoURL string
}

// Views parses a theme's templates once with gofiber/template/html and
// renders them with functions bound to each request's language.
//
// html/template fixes functions at first execution, and the engine's own Render
// mutates a shared template under one lock for every layout render. Instead each
// request takes a clone of the never-executed master from a pool, rebinds t and
// term to its language, executes, and returns the clone.
type Views struct {
	master *template.Template
	pool   sync.Pool
	assets *Assets
}

// layout is the template that wraps every whole page.
const layout = "layouts/main"

// LoadViews parses every .html file in fsys (template names are their paths
// without the extension, such as "pages/home").
func LoadViews(fsys fs.FS, assets *Assets) (*Views, error) {
	engine := html.NewFileSystem(http.FS(fsys), ".html")
	for name, fn := range placeholderFuncs(assets) {
		engine.AddFunc(name, fn)
	}
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	v := &Views{master: engine.Templates, assets: assets}
	v.pool.New = func() any { return template.Must(v.master.Clone()) }
	return v, nil
}

// placeholderFuncs declares every function templates may call; t and term are
// replaced per request.
func placeholderFuncs(assets *Assets) template.FuncMap {
	return template.FuncMap{
		"t":     func(id string, args ...any) string { return id },
		"term":  func(key string, count ...int) string { return key },
		"asset": assets.URL,
		"icon":  func(name string) (template.HTML, error) { return icon(assets, name) },
		"dict":  dict,
		"add":   func(a, b int) int { return a + b },
		"sub":   func(a, b int) int { return a - b },
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"has":      func(list []string, v string) bool { return slices.Contains(list, v) },
		"initials": Initials,
		"render":   func(string, any) (template.HTML, error) { return "", nil },
		"editor":   func(string, string, bool) template.HTML { return "" },
		// markdown shows a person's text in Atrium's one dialect, inert;
		// images only from the portal's own module pages.
		"markdown": func(text string) template.HTML {
			return richtext.Render(text, richtext.Options{Image: richtext.OwnImage("/m/")}).HTML
		},
	}
}

// dict builds a map from key/value pairs, for passing data to t.
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("dict needs pairs of key and value")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

// icon writes an inline reference to a symbol in the theme's icon sprite.
func icon(assets *Assets, name string) (template.HTML, error) {
	sprite, err := assets.URL("icons.svg")
	if err != nil {
		return "", err
	}
	return template.HTML(`<svg class="icon" aria-hidden="true" focusable="false"><use href="` +
		template.HTMLEscapeString(sprite) + `#` + template.HTMLEscapeString(name) + `"></use></svg>`), nil
}

// Execute renders the named template in loc's language into a new buffer.
func (v *Views) Execute(loc *i18n.Localizer, name string, data any) ([]byte, error) {
	tmpl := v.pool.Get().(*template.Template)
	defer v.pool.Put(tmpl)
	tmpl.Funcs(template.FuncMap{"t": loc.T, "term": loc.Term, "render": func(name string, data any) (template.HTML, error) {
		// A module's section on a shared page: its template is only known at run time.
		var buf bytes.Buffer
		err := tmpl.ExecuteTemplate(&buf, name, data)
		return template.HTML(buf.String()), err
	},
		// editor is a text field with the writing aids, in the page's
		// language: {{editor "body" .Value .Invalid}}; its id is f-<name>.
		"editor": func(name, value string, invalid bool) template.HTML {
			return richtext.Editor(richtext.EditorField{ID: "f-" + name, Name: name, Value: value, Locale: loc.Locale, Invalid: invalid, Required: true})
		}})
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type fragment struct {
	Title string
	Body  template.HTML
}
