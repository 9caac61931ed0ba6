package sdk_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/plugins/sdk"
	"github.com/atriumhq/atrium/plugins/sdk/sdktest"
)

// TestMarkdownForShowsOnlyTheModulesOwnImages: an image shows only from the
// module's own pages; one that reaches elsewhere in the portal through
// encoded dot segments (which every reader's browser would resolve and ask
// for with their cookies) shows as its description.
func TestMarkdownForShowsOnlyTheModulesOwnImages(t *testing.T) {
	t.Parallel()
	m := sdk.New(sdk.Manifest{ID: "greeter", Version: "0.0.1", Label: "greeter.title"}, files)
	m.Page("POST", "/render", "", func(r *sdk.Request) error {
		out, err := r.MarkdownFor(r.Form.Get("text"))
		if err != nil {
			return err
		}
		return r.Raw(200, "text/html; charset=utf-8", []byte(out.HTML))
	})
	h := sdktest.New(t, m)
	for _, src := range []string{"/m/greeter/%2e%2e/%2e%2e/settings/privacy/export", "/m/greeter/.%2E/.%2E/settings/privacy/export", "/m/greeter/x?y"} {
		if res := h.As(0).PostForm("/render", url.Values{"text": {"![x](" + src + ")"}}); strings.Contains(res.Body, "<img") {
			t.Errorf("%s shows as an image: %s", src, res.Body)
		}
	}
	if res := h.As(0).PostForm("/render", url.Values{"text": {"![plan](/m/greeter/files/3)"}}); !strings.Contains(res.Body, `<img src="/m/greeter/files/3"`) {
		t.Errorf("the module's own image: %s", res.Body)
	}
}
