package docs_test

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// module is the path every package of the repository starts with.
const module = "github.com/atriumhq/atrium/"

// TestImportsKeepTheArchitecture reads the table of forbidden imports in
// architecture.md and checks every package's production code against it:
// the document is the rule, so the two cannot drift apart.
func TestImportsKeepTheArchitecture(t *testing.T) {
	doc, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	rules := forbiddenImports(t, string(doc))
	packages := repositoryPackages(t, "..")
	for _, r := range rules {
		matched := false
		for path, imports := range packages {
			if !r.covers(path) {
				continue
			}
			matched = true
			for _, imp := range imports {
				if r.forbids(imp) {
					t.Errorf("%s imports %s, which architecture.md forbids", path, imp)
				}
			}
		}
		if !matched {
			t.Errorf("architecture.md names packages that do not exist: %v", r.packages)
		}
	}
}

// rule is one row of the table: its packages may not import its targets.
type rule struct{ packages, targets []string }

func (r rule) covers(path string) bool { return matchesAny(r.packages, path) }

// forbids tells whether an import is one of the targets; the repository's
// own are named below the module, others (github.com/gofiber/...) in full.
func (r rule) forbids(imp string) bool {
	return matchesAny(r.targets, strings.TrimPrefix(imp, module))
}

// matchesAny tells whether path is one of the patterns: "x/..." is x and
// everything below it, anything else that package alone.
func matchesAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if base, ok := strings.CutSuffix(p, "/..."); ok {
			if path == base || strings.HasPrefix(path, base+"/") {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}

var (
	tableRow = regexp.MustCompile(`(?m)^\|(.*)\|(.*)\|\s*$`)
	quoted   = regexp.MustCompile("`([^`]+)`")
)

func forbiddenImports(t *testing.T, doc string) []rule {
	_, table, ok := strings.Cut(doc, "## Forbidden imports")
	if !ok {
		t.Fatal("architecture.md has no section \"Forbidden imports\"")
	}
	var rules []rule
	for _, row := range tableRow.FindAllStringSubmatch(table, -1) {
		r := rule{packages: names(row[1]), targets: names(row[2])}
		if len(r.packages) > 0 && len(r.targets) > 0 {
			rules = append(rules, r)
		}
	}
	if len(rules) < 5 {
		t.Fatalf("architecture.md's table holds %d rules", len(rules))
	}
	return rules
}

func names(cell string) []string {
	var out []string
	for _, m := range quoted.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

// repositoryPackages gives each package of the repository's Go code (by its
// path below the module, the SDK's module included) with the imports of
// its production files, as the build sees them.
func repositoryPackages(t *testing.T, root string) map[string][]string {
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "data" || name == "node_modules") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if rel == "core" || strings.HasPrefix(rel, "core/") || strings.HasPrefix(rel, "plugins/") || strings.HasPrefix(rel, "cmd/") {
			out[rel] = pkg.Imports
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 30 {
		t.Fatalf("found only %d packages", len(out))
	}
	return out
}
