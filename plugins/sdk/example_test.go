package sdk_test

import (
	"embed"
	"io/fs"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// A plugin embeds its templates and locales folders (//go:embed templates
// locales); this example's are in testdata/hello.
//
//go:embed testdata/hello
var embedded embed.FS

var files, _ = fs.Sub(embedded, "testdata/hello")

// A plugin's main: the module described, a page added, served to the host.
// The package's doc comment shows the same.
func Example() {
	m := sdk.New(sdk.Manifest{ID: "hello", Version: "1.0.0", Label: "hello.title"}, files)
	m.Page("GET", "/", "", func(r *sdk.Request) error {
		return r.Render("index", "hello.title", map[string]any{"Name": r.UserName()})
	})
	sdk.Serve(m)
}
