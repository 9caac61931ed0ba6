package pluginhost_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/pluginhost"
)

// TestDevLoopReloadsAChangedPlugin copies the example into a scratch folder
// of the module, runs it, changes its English title and then breaks its
// code: the first change shows on its page without restarting Atrium and is
// recorded in the trust file; the broken build leaves the running plugin be.
func TestDevLoopReloadsAChangedPlugin(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	scratch, err := os.MkdirTemp(filepath.Join(root, "tmp"), "devloop-")
	if os.IsNotExist(err) {
		_ = os.MkdirAll(filepath.Join(root, "tmp"), 0o755)
		scratch, err = os.MkdirTemp(filepath.Join(root, "tmp"), "devloop-")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(scratch) })
	src := filepath.Join(scratch, "example")
	if err := os.CopyFS(src, os.DirFS(filepath.Join(root, "plugins", "example"))); err != nil {
		t.Fatal(err)
	}
	pkg, _ := filepath.Rel(root, src)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, coretest.BuildPlugin(t, pkg))
	}})
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	if h1 := coach.Get("/m/example/").Text("main h1"); h1 != "Example" {
		t.Fatalf("before: %q", h1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &coretest.Buffer{}
	dev := &pluginhost.Dev{Host: app.Plugins(), Root: root, Sources: map[string]string{"example": pkg}, Out: out, Every: 100 * time.Millisecond}
	go dev.Run(ctx)

	edit := func(file, from, to string) {
		path := filepath.Join(src, file)
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), from) {
			t.Fatalf("%s does not contain %q", file, from)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), from, to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(what string) {
		for deadline := time.Now().Add(90 * time.Second); !strings.Contains(out.String(), what); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the dev loop never said %q:\n%s", what, out.String())
			}
		}
	}
	waitFor("dev: watching")
	edit("locales/en.toml", `title = "Example"`, `title = "Example, changed"`)
	waitFor("example reloaded")
	if h1 := coach.Get("/m/example/").Text("main h1"); h1 != "Example, changed" {
		t.Errorf("after the change: %q\n%s", h1, out.String())
	}
	trust, _ := pluginhost.LoadTrust(app.Config().Plugins.TrustFile)
	if sum, _ := pluginhost.Sum(app.Plugins().Plugin("example").Path); trust.Allow["example"] != sum {
		t.Error("the rebuilt binary is not in the trust file")
	}
	edit("main.go", "func main() {", "func main() { this does not compile")
	waitFor("does not build")
	if res := coach.Get("/m/example/"); res.StatusCode != 200 || res.Text("main h1") != "Example, changed" {
		t.Errorf("after a broken build: %d %q", res.StatusCode, res.Text("main h1"))
	}
}
