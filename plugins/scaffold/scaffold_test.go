package scaffold_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/plugins/scaffold"
)

// TestExampleIsTheSkeleton keeps plugins/example equal to what
// `atrium plugin new example` makes, so the two never drift.
func TestExampleIsTheSkeleton(t *testing.T) {
	t.Parallel()
	files, err := scaffold.Files("example")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("only %d files", len(files))
	}
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "example", rel))
		if err != nil || string(got) != string(want) {
			t.Errorf("plugins/example/%s differs from the skeleton; change both (%v)", rel, err)
		}
	}
}

func TestNewNames(t *testing.T) {
	t.Parallel()
	files, err := scaffold.Files("hello")
	if err != nil {
		t.Fatal(err)
	}
	if main := string(files["main.go"]); !strings.Contains(main, `ID: "hello"`) || strings.Contains(main, "example") {
		t.Errorf("main.go not renamed:\n%s", main)
	}
	for _, bad := range []string{"Hello", "1st", "a", "hello-world", "../x"} {
		if _, err := scaffold.Files(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	dir := t.TempDir()
	if _, err := scaffold.Write(dir, "hello"); err != nil {
		t.Fatal(err)
	}
	if _, err := scaffold.Write(dir, "hello"); err == nil {
		t.Error("overwrote an existing plugin")
	}
}
