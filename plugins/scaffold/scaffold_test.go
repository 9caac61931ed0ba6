package scaffold_test

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/plugins/scaffold"
)

var update = flag.Bool("update", false, "write plugins/example again from the skeleton")

// TestExampleIsGenerated keeps plugins/example what the skeleton makes for
// "example", file for file: the skeleton is the one source of both.
func TestExampleIsGenerated(t *testing.T) {
	files, err := scaffold.Files("example")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("only %d files", len(files))
	}
	example := filepath.Join("..", "example")
	if *update {
		if err := os.RemoveAll(example); err != nil {
			t.Fatal(err)
		}
		if err := scaffold.WriteFiles(example, files); err != nil {
			t.Fatal(err)
		}
	}
	for rel, want := range files {
		got, err := os.ReadFile(filepath.Join(example, rel))
		if err != nil || string(got) != string(want) {
			t.Errorf("plugins/example/%s is not what the skeleton makes (%v): change plugins/scaffold/skeleton, then run go test ./plugins/scaffold -update", rel, err)
		}
	}
	err = filepath.WalkDir(example, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(example, path)
		if _, ok := files[filepath.ToSlash(rel)]; !ok && rel != "example" { // "example": a binary built in the folder
			t.Errorf("plugins/example/%s is not in the skeleton: add it there, as plugins/scaffold/skeleton/%s.tmpl", rel, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewNames(t *testing.T) {
	t.Parallel()
	files, err := scaffold.Files("hello")
	if err != nil {
		t.Fatal(err)
	}
	for rel, data := range files {
		if text := string(data); strings.Contains(strings.ReplaceAll(text, "harbour.example", ""), "example") || strings.Contains(text, "[%") || strings.Contains(text, "DO NOT EDIT") {
			t.Errorf("%s not made for hello:\n%s", rel, text)
		}
	}
	if main := string(files["main.go"]); !strings.Contains(main, `ID: "hello"`) {
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
