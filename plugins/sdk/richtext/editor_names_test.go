package richtext_test

import (
	"encoding/json"
	"html"
	"regexp"
	"testing"

	"github.com/atriumhq/atrium/plugins/sdk/richtext"
)

// TestEditorNamesStayInTheirAttributes: hx-vals is JSON inside an
// attribute; the browser decodes the attribute's entities before htmx
// parses the JSON, so HTML escaping alone does not keep a name in its
// JSON string, and an id is a CSS selector in hx-include and hx-target.
func TestEditorNamesStayInTheirAttributes(t *testing.T) {
	if out := richtext.Editor(richtext.EditorField{ID: "f-x", Name: `body", "field": "other`}); out != "" {
		t.Errorf("a name that is no plain word gave an editor: %s", out)
	}
	out := string(richtext.Editor(richtext.EditorField{ID: "f-body", Name: "body"}))
	raw := regexp.MustCompile(`hx-vals="([^"]*)"`).FindStringSubmatch(out)[1]
	var vals map[string]string
	if err := json.Unmarshal([]byte(html.UnescapeString(raw)), &vals); err != nil || vals["field"] != "body" {
		t.Errorf("the JSON htmx reads: %q -> %v %v", html.UnescapeString(raw), vals, err)
	}
	if out := richtext.Editor(richtext.EditorField{ID: "x, form", Name: "body"}); out != "" {
		t.Errorf("an id that is a selector list gave an editor: %s", out)
	}
}
