package richtext

import (
	"strings"
	"testing"
)

// TestMentionsAmongReaders: @given.family names a reader, @given only when
// one reader has that first name; nobody else is ever named.
func TestMentionsAmongReaders(t *testing.T) {
	resolve := Among(map[int64]string{1: "Chris Jansen", 2: "Kim Bakker", 3: "Kim de Vries"})
	for _, tc := range []struct {
		name string
		id   int64
		ok   bool
	}{{"chris.jansen", 1, true}, {"Chris", 1, true}, {"kim", 0, false}, {"kim.de.vries", 3, true}, {"eva", 0, false}} {
		id, _, ok := resolve(tc.name)
		if id != tc.id || ok != tc.ok {
			t.Errorf("@%s: %d %v, want %d %v", tc.name, id, ok, tc.id, tc.ok)
		}
	}
	out := Render("Ask @chris and @kim and @eva", Options{Mention: resolve})
	if len(out.Mentioned) != 1 || out.Mentioned[0] != 1 || !strings.Contains(string(out.HTML), `>@Chris Jansen</span>`) {
		t.Errorf("rendered %q, mentioned %v", out.HTML, out.Mentioned)
	}
}

// TestEditorEscapes: what a field holds, and its name, never become markup.
func TestEditorEscapes(t *testing.T) {
	html := string(Editor(EditorField{ID: "f-body", Name: "body", Value: "</textarea><script>alert(1)</script>", Locale: "nl"}))
	if strings.Contains(html, "<script>") {
		t.Errorf("unescaped: %s", html)
	}
	if !strings.Contains(html, `aria-label="Vet"`) || !strings.Contains(html, `hx-post="/markdown/preview"`) {
		t.Errorf("labels or preview missing: %s", html)
	}
}
