// Package richtext is Atrium's one dialect of formatted text, for every
// module that takes it (forum posts, assignments, messages, ticket
// descriptions): CommonMark with tables, strikethrough, task lists and
// autolinks, rendered by goldmark and then sanitised to an allow list by
// bluemonday, so that nothing a writer types can run in the portal. Links
// carry rel="noopener nofollow ugc"; images show only from the portal's own
// files; @mentions name only people the writer may address. The core and
// the SDK (sdk.Markdown) both render through it: no plugin turns user text
// into HTML by itself. Since contract v1.6.
package richtext

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MaxSource bounds the text one render takes; longer text is cut there.
const MaxSource = 64 << 10

// Options say what a text may reach where it is shown.
type Options struct {
	// Mention resolves @name to a person the writer may address, with the
	// name to show; ok false leaves the text as typed (and notifies no one).
	Mention func(name string) (id int64, display string, ok bool)
	// Image tells whether an image source is one of the portal's own files;
	// any other image shows as its description, never fetched.
	Image func(src string) bool
}

// Result is what a render found besides the HTML.
type Result struct {
	HTML template.HTML
	// Mentioned are the people the text mentions, each once, in order.
	Mentioned []int64
}

// Tables are bounded: the parser fills every row up to its head's width,
// so a head of hundreds of columns over thousands of one-character rows
// is millions of cells (a gigabyte) from a text of 20,000 characters. A
// text whose tables would pass these bounds is shown without tables (as
// the plain text it then is).
const (
	maxTableColumns = 32
	maxTableCells   = 5000
)

// tablesFit tells whether the tables a text could hold stay within the
// bounds: at most maxTableColumns in any head's delimiter row, and at
// most maxTableCells for the widest head times the lines that could be
// its rows. It reads the text once, before any parsing.
func tablesFit(source string) bool {
	if !strings.Contains(source, "|") {
		return true
	}
	widest, rows := 0, 0
	for line := range strings.SplitSeq(source, "\n") {
		if !strings.Contains(line, "|") {
			continue
		}
		rows++
		if cols := delimiterColumns(line); cols > widest {
			widest = cols
		}
	}
	return widest <= maxTableColumns && widest*rows <= maxTableCells
}

// delimiterColumns is how many columns a table's delimiter row (such as
// "|---|:--:|") declares; 0 for any other line.
func delimiterColumns(line string) int {
	trimmed := strings.Trim(strings.TrimSpace(line), "|")
	if trimmed == "" || strings.Trim(trimmed, "|-: \t") != "" || !strings.Contains(trimmed, "-") {
		return 0
	}
	return strings.Count(trimmed, "|") + 1
}

// Render turns a writer's text into safe HTML.
func Render(source string, o Options) Result {
	if len(source) > MaxSource {
		source = source[:MaxSource]
	}
	t := &transform{options: o, seen: map[int64]bool{}}
	extensions := []goldmark.Extender{extension.Strikethrough, extension.TaskList, extension.Linkify}
	if tablesFit(source) {
		extensions = append(extensions, extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)))
	}
	md := goldmark.New(
		goldmark.WithExtensions(extensions...),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(t, 100))),
	)
	var out bytes.Buffer
	if err := md.Convert([]byte(source), &out); err != nil {
		// goldmark fails only on a failing writer; a buffer does not.
		return Result{HTML: template.HTML(template.HTMLEscapeString(source))}
	}
	return Result{HTML: template.HTML(policy.SanitizeBytes(out.Bytes())), Mentioned: t.mentioned}
}

// rel is what every link carries: no access to the portal's window, no
// credit from search engines, marked as users' content.
const rel = "noopener nofollow ugc"

// policy is the allow list every rendered text passes through: the
// elements CommonMark and its extensions make, and nothing else.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li",
		"h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(regexp.MustCompile("^" + rel + "$")).OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	p.AllowAttrs("src", "alt", "title").OnElements("img")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^(|checked|disabled)$`)).OnElements("input")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^mention$`)).OnElements("span")
	p.AllowAttrs("data-person").Matching(bluemonday.Integer).OnElements("span")
	return p
}()

// transform marks links, drops foreign images and resolves mentions in the
// parsed text, before it is rendered.
type transform struct {
	options   Options
	mentioned []int64
	seen      map[int64]bool
}

var mention = regexp.MustCompile(`(^|[^\p{L}\p{N}_@])@([\p{L}\p{N}][\p{L}\p{N}._-]{0,63})`)

func (t *transform) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	var images []*ast.Image
	var texts []*ast.Text
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			n.SetAttributeString("rel", []byte(rel))
		case *ast.AutoLink:
			n.SetAttributeString("rel", []byte(rel))
		case *ast.Image:
			if t.options.Image == nil || !t.options.Image(string(n.Destination)) {
				images = append(images, n)
			}
			return ast.WalkSkipChildren, nil
		case *ast.CodeSpan, *ast.CodeBlock, *ast.FencedCodeBlock:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if _, inLink := n.Parent().(*ast.Link); !inLink && t.options.Mention != nil {
				texts = append(texts, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, img := range images {
		// Its description, as the text it stands for.
		alt := ast.NewString(plain(img, source))
		img.Parent().ReplaceChild(img.Parent(), img, alt)
	}
	for _, n := range texts {
		t.mentions(n, source)
	}
}

// mentions splits a text at each @name that resolves, into the text
// before, the mention, and what follows.
func (t *transform) mentions(n *ast.Text, source []byte) {
	segment := n.Segment.Value(source)
	found := mention.FindAllSubmatchIndex(segment, -1)
	if len(found) == 0 {
		return
	}
	parent, at, last := n.Parent(), ast.Node(n), 0
	var parts []ast.Node
	for _, m := range found {
		name := string(segment[m[4]:m[5]])
		id, display, ok := t.options.Mention(name)
		if !ok {
			continue
		}
		start := m[4] - 1 // the @
		if start > last {
			parts = append(parts, ast.NewString(segment[last:start]))
		}
		parts = append(parts, newMention(id, display))
		if !t.seen[id] {
			t.seen[id] = true
			t.mentioned = append(t.mentioned, id)
		}
		last = m[5]
	}
	if len(parts) == 0 {
		return
	}
	if last < len(segment) {
		parts = append(parts, ast.NewString(segment[last:]))
	}
	soft, hard := n.SoftLineBreak(), n.HardLineBreak()
	for _, p := range parts {
		parent.InsertAfter(parent, at, p)
		at = p
	}
	parent.RemoveChild(parent, n)
	if s, ok := at.(*ast.String); ok && (soft || hard) {
		// The line break the text ended with stays after it.
		s.Value = append(s.Value, '\n')
	}
}

// plain is the text inside a node, without its markup.
func plain(n ast.Node, source []byte) []byte {
	var b []byte
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b = append(b, c.Segment.Value(source)...)
		case *ast.String:
			b = append(b, c.Value...)
		default:
			b = append(b, plain(c, source)...)
		}
	}
	return b
}
