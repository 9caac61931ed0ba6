package richtext

import (
	"html/template"
	"regexp"
	"strconv"
	"strings"
)

// PreviewURL is where the core renders an editor's text for its preview.
const PreviewURL = "/markdown/preview"

// EditorField is one text field with the writing aids: a plain textarea
// (the text is Markdown, readable as it is), a small toolbar that marks
// the selection, and a preview the core renders (htmx, no script build).
type EditorField struct {
	ID, Name, Value string
	Rows            int
	Locale          string // the labels' language: "en" or "nl"
	Required        bool
	Invalid         bool // the field has an error; its message has the id <ID>-error
}

// labels are the editor's words per language.
var labels = map[string]map[string]string{
	"en": {"toolbar": "Formatting", "bold": "Bold", "italic": "Italic", "link": "Link", "list": "List", "quote": "Quote", "code": "Code",
		"preview": "Preview", "help": "Formatting: **bold**, *italic*, [link](https://…), - list, > quote, `code`; @name mentions someone who can read here."},
	"nl": {"toolbar": "Opmaak", "bold": "Vet", "italic": "Cursief", "link": "Link", "list": "Lijst", "quote": "Citaat", "code": "Code",
		"preview": "Voorbeeld", "help": "Opmaak: **vet**, *cursief*, [link](https://…), - lijst, > citaat, `code`; @naam noemt iemand die hier kan lezen."},
}

// fieldName is what an editor's id and name may be: they go into
// selectors (hx-include, hx-target) and into JSON (hx-vals).
var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,60}$`)

// Editor is the field's HTML, the same in the core's forms and plugins'.
// An id or name that is no plain word gives nothing: it is a template's
// mistake, not a person's.
func Editor(f EditorField) template.HTML {
	if !fieldName.MatchString(f.ID) || !fieldName.MatchString(f.Name) {
		return ""
	}
	l, ok := labels[f.Locale]
	if !ok {
		l = labels["en"]
	}
	if f.Rows <= 0 {
		f.Rows = 6
	}
	e := template.HTMLEscapeString
	var b strings.Builder
	b.WriteString(`<div class="md-editor">`)
	b.WriteString(`<div class="md-toolbar" role="toolbar" aria-label="` + e(l["toolbar"]) + `" aria-controls="` + e(f.ID) + `">`)
	for _, tool := range []struct{ name, face string }{{"bold", "<b>B</b>"}, {"italic", "<i>I</i>"}, {"link", "🔗"}, {"list", "•"}, {"quote", "❝"}, {"code", "&lt;/&gt;"}} {
		b.WriteString(`<button type="button" class="md-tool" data-md="` + tool.name + `" data-md-for="` + e(f.ID) + `" title="` + e(l[tool.name]) + `" aria-label="` + e(l[tool.name]) + `">` + tool.face + `</button>`)
	}
	b.WriteString(`<button type="button" class="md-tool md-preview-button" hx-post="` + PreviewURL + `" hx-include="#` + e(f.ID) + `" hx-vals="` + e(`{"field": "`+f.Name+`"}`) + `" hx-target="#` + e(f.ID) + `-preview" hx-swap="innerHTML" hx-select="unset" hx-select-oob="unset" hx-push-url="false">` + e(l["preview"]) + `</button>`)
	b.WriteString(`</div>`)
	described := e(f.ID) + "-help"
	if f.Invalid {
		described = e(f.ID) + "-error " + described
	}
	b.WriteString(`<textarea id="` + e(f.ID) + `" name="` + e(f.Name) + `" rows="` + strconv.Itoa(f.Rows) + `" aria-describedby="` + described + `"`)
	if f.Required {
		b.WriteString(` required`)
	}
	if f.Invalid {
		b.WriteString(` aria-invalid="true"`)
	}
	b.WriteString(`>` + e(f.Value) + `</textarea>`)
	b.WriteString(`<p class="hint" id="` + e(f.ID) + `-help">` + e(l["help"]) + `</p>`)
	b.WriteString(`<div class="md-preview prose" id="` + e(f.ID) + `-preview" aria-live="polite"></div></div>`)
	return template.HTML(b.String())
}

// Handle is how a person is mentioned: their name in lower case, its words
// joined by dots (@chris.jansen).
func Handle(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), "."))
}

// Among resolves mentions among the people given (id to name): @given.family
// by Handle, or @given where only one of them has that first name.
func Among(people map[int64]string) func(string) (int64, string, bool) {
	byHandle, byGiven := map[string]int64{}, map[string][]int64{}
	for id, name := range people {
		byHandle[Handle(name)] = id
		if f := strings.Fields(name); len(f) > 0 {
			given := strings.ToLower(f[0])
			byGiven[given] = append(byGiven[given], id)
		}
	}
	return func(mention string) (int64, string, bool) {
		m := strings.ToLower(mention)
		if id, ok := byHandle[m]; ok {
			return id, people[id], true
		}
		if ids := byGiven[m]; len(ids) == 1 {
			return ids[0], people[ids[0]], true
		}
		return 0, "", false
	}
}

// OwnImage is the rule that shows an image only from the portal's own
// pages below prefix (such as "/m/notes/"): a plain path, with no encoded
// or escaped part that a browser would resolve elsewhere.
func OwnImage(prefix string) func(string) bool {
	return func(src string) bool {
		return strings.HasPrefix(src, prefix) && !strings.Contains(src, "..") && !strings.ContainsAny(src, "%\\?#:")
	}
}
