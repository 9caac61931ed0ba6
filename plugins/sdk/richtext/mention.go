package richtext

import (
	"html"
	"strconv"

	"github.com/yuin/goldmark/ast"
)

// newMention is the inline that shows a mentioned person: by the name the
// portal knows them by, never as typed, marked with their id.
func newMention(id int64, display string) ast.Node {
	s := ast.NewString([]byte(`<span class="mention" data-person="` + strconv.FormatInt(id, 10) + `">@` + html.EscapeString(display) + `</span>`))
	s.SetCode(true) // written as it is: the name is escaped above
	return s
}
