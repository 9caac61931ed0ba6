package richtext

import (
	"slices"
	"strings"
	"testing"
)

func people(name string) (int64, string, bool) {
	switch name {
	case "kim":
		return 7, "Kim Bakker", true
	case "noa":
		return 9, "Noa <Visser>", true
	}
	return 0, "", false
}

func ownFiles(src string) bool { return strings.HasPrefix(src, "/files/") }

// TestHostileTextRendersInert: nothing a writer types runs, loads or
// escapes the allow list, whatever the Markdown or HTML trick.
func TestHostileTextRendersInert(t *testing.T) {
	for _, src := range []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`[click](javascript:alert(1))`,
		`[click](JaVaScRiPt:alert(1))`,
		`[click](  javascript:alert(1))`,
		"[click](java\tscript:alert(1))",
		`[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
		`![x](javascript:alert(1))`,
		`![x](https://evil.example/track.png)`,
		`<iframe src="https://evil.example"></iframe>`,
		`<a href="https://evil.example" onclick="alert(1)">x</a>`,
		`<svg onload=alert(1)>`,
		`<style>body{display:none}</style>`,
		"```html\n<script>alert(1)</script>\n```",
		`<div style="position:fixed">over everything</div>`,
		`[x](https://example.org "title\" onmouseover=\"alert(1)")`,
		`<details open ontoggle=alert(1)>`,
		`<form action="https://evil.example"><input name=password></form>`,
		`@kim<script>alert(1)</script>`,
		"| a |\n|---|\n| <script>alert(1)</script> |",
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	} {
		out := strings.ToLower(string(Render(src, Options{Mention: people, Image: ownFiles}).HTML))
		for _, bad := range []string{"<script", "onerror", "onload", "onclick", "onmouseover", "ontoggle", "javascript:", "data:text", "<iframe", "<svg", "<style", "style=", "<form", "<input name", "evil.example/track", "<math", "<details"} {
			if strings.Contains(out, bad) {
				t.Errorf("%q renders %q, which holds %q", src, out, bad)
			}
		}
	}
}

// TestTheDialect: CommonMark with tables, strikethrough, task lists and
// autolinks, links marked as users' content.
func TestTheDialect(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"**bold** and _em_", []string{"<strong>bold</strong>", "<em>em</em>"}},
		{"~~gone~~", []string{"<del>gone</del>"}},
		{"| a | b |\n|:--|--:|\n| 1 | 2 |", []string{"<table>", `<th align="left">a</th>`, `<td align="right">2</td>`}},
		{"- [x] done\n- [ ] to do", []string{`<input checked="" disabled="" type="checkbox"`, `<input disabled="" type="checkbox"`}},
		{"see https://example.org/a?b=1", []string{`<a href="https://example.org/a?b=1" rel="noopener nofollow ugc">`}},
		{"[site](https://example.org)", []string{`<a href="https://example.org" rel="noopener nofollow ugc">site</a>`}},
		{"`<b>`", []string{"<code>&lt;b&gt;</code>"}},
		{"1. one\n2. two", []string{"<ol>", "<li>one</li>"}},
		{"> quoted", []string{"<blockquote>"}},
	} {
		out := string(Render(tc.src, Options{}).HTML)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q renders %q, without %q", tc.src, out, w)
			}
		}
	}
}

// TestImagesOnlyFromThePortal: an image of the portal's own files shows;
// any other shows as its description and is never fetched.
func TestImagesOnlyFromThePortal(t *testing.T) {
	out := string(Render("![plan](/files/12/plan.png) and ![tracker](https://evil.example/p.png)", Options{Image: ownFiles}).HTML)
	if !strings.Contains(out, `<img src="/files/12/plan.png" alt="plan"`) {
		t.Errorf("the portal's own image is gone: %q", out)
	}
	if strings.Contains(out, "evil.example") || !strings.Contains(out, "tracker") {
		t.Errorf("a foreign image: %q", out)
	}
	if out := string(Render("![plan](/files/12/plan.png)", Options{}).HTML); strings.Contains(out, "<img") {
		t.Errorf("no image is the portal's without a rule saying so: %q", out)
	}
}

// TestMentionsNameOnlyWhomTheWriterMayAddress: a mention resolves to the
// person's name as the portal knows it (escaped), once per person, in
// order; anyone else stays text; code and addresses are no mentions.
func TestMentionsNameOnlyWhomTheWriterMayAddress(t *testing.T) {
	r := Render("@kim, see this. @noa too, and @kim again; not @stranger, `@kim` or kim@example.org", Options{Mention: people})
	out := string(r.HTML)
	if !slices.Equal(r.Mentioned, []int64{7, 9}) {
		t.Errorf("mentioned %v", r.Mentioned)
	}
	for _, want := range []string{`<span class="mention" data-person="7">@Kim Bakker</span>`, `<span class="mention" data-person="9">@Noa &lt;Visser&gt;</span>`, "@stranger", "<code>@kim</code>"} {
		if !strings.Contains(out, want) {
			t.Errorf("renders %q, without %q", out, want)
		}
	}
	if strings.Count(out, `class="mention"`) != 3 {
		t.Errorf("mentions shown: %q", out)
	}
	if strings.Contains(out, `data-person="7">@Kim Bakker</span>@example`) {
		t.Errorf("an address became a mention: %q", out)
	}
}

// TestLongTextIsCut: a text is rendered up to MaxSource.
func TestLongTextIsCut(t *testing.T) {
	out := Render(strings.Repeat("a", MaxSource+100), Options{}).HTML
	if n := strings.Count(string(out), "a"); n != MaxSource {
		t.Errorf("%d letters rendered, want %d", n, MaxSource)
	}
}
