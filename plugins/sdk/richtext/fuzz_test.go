package richtext

import (
	"strings"
	"testing"
)

// FuzzRender: whatever the text, the HTML holds no element or attribute
// outside the allow list that could run, load or restyle anything.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{"<script>x</script>", "[a](javascript:x)", "![i](/files/1)", "@kim hi", "| a |\n|---|\n| b |", "- [x] t", "<img src=x onerror=y>"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := strings.ToLower(string(Render(src, Options{Mention: people, Image: ownFiles}).HTML))
		for _, bad := range []string{"<script", "<iframe", "<svg", "<style", "<object", "<embed", "<form", "javascript:", " on", "style="} {
			if strings.Contains(out, bad) && !strings.Contains(strings.ToLower(src), strings.TrimSpace(bad)) {
				t.Fatalf("%q renders %q with %q", src, out, bad)
			}
		}
		for _, bad := range []string{"<script", "<iframe", "<svg", "<style", "<object", "<embed", "<form"} {
			if strings.Contains(out, bad) {
				t.Fatalf("%q renders %q with %q", src, out, bad)
			}
		}
	})
}

func BenchmarkRender(b *testing.B) {
	post := strings.Repeat("Some **bold** text with a [link](https://example.org) and @kim.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] one\n- [ ] two\n\n", 10)
	b.SetBytes(int64(len(post)))
	for i := 0; i < b.N; i++ {
		Render(post, Options{Mention: people, Image: ownFiles})
	}
}
