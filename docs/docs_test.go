// Package docs tests the guides: the commands they tell a newcomer to run
// must work as written.
package docs_test

import (
	"bufio"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/coretest"
)

// TestPluginQuickStart copies the repository and runs the quick start of
// docs/plugins.md line by line, then serves and opens the new plugin's page.
func TestPluginQuickStart(t *testing.T) {
	guide, err := os.ReadFile("plugins.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)## From zero to a running plugin.*?```sh\n(.*?)```").FindSubmatch(guide)
	if block == nil {
		t.Fatal("the quick start's commands are missing from docs/plugins.md")
	}
	commands := strings.Split(strings.TrimSpace(string(block[1])), "\n")
	if commands[len(commands)-1] != "./bin/atrium serve" {
		t.Fatalf("the quick start should end by serving, not %q", commands[len(commands)-1])
	}
	dir := copyRepository(t)
	env := append(os.Environ(), "ATRIUM_SERVER_ADDRESS=127.0.0.1:0", "ATRIUM_SERVER_METRICS_ADDRESS=127.0.0.1:0", "ATRIUM_LOG_LEVEL=warn")
	for _, line := range commands[:len(commands)-1] {
		cmd := exec.Command("bash", "-c", line)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	serve := exec.CommandContext(ctx, "./bin/atrium", "serve")
	serve.Dir, serve.Env = dir, env
	stdout, _ := serve.StdoutPipe()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = serve.Process.Signal(os.Interrupt); _ = serve.Wait() }()
	base := readyAddress(t, stdout)
	c := coretest.NewClient(t, base)
	c.SignIn("coach@harbour.example")
	page := c.Get("/m/hello/")
	if page.StatusCode != 200 || page.Text("main h1") != "Hello" {
		t.Fatalf("the new plugin's page: %d %q", page.StatusCode, page.Text("main h1"))
	}
	if tile := c.Get("/").Text(".plugin-slot"); !strings.Contains(tile, "tiles") {
		t.Errorf("the new plugin's tile: %q", tile)
	}
	// The new plugin comes with a test of its own, and it passes.
	test := exec.Command("go", "test", "-count=1", "./plugins/hello/")
	test.Dir, test.Env = dir, env
	if out, err := test.CombinedOutput(); err != nil {
		t.Errorf("the new plugin's own test: %v\n%s", err, out)
	}
}

func readyAddress(t *testing.T, r io.Reader) string {
	t.Helper()
	lines := bufio.NewScanner(r)
	ready := regexp.MustCompile(`open (http://\S+)`)
	for lines.Scan() {
		if m := ready.FindStringSubmatch(lines.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return m[1]
		}
	}
	t.Fatal("atrium serve never said it was ready")
	return ""
}

// copyRepository copies the working tree without built or local files.
func copyRepository(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	src, _ := filepath.Abs("..")
	skip := map[string]bool{".git": true, "bin": true, "data": true, "tmp": true}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && skip[rel] {
			return filepath.SkipDir
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
