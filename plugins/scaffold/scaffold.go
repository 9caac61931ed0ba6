// Package scaffold makes a new plugin from the skeleton that plugins/example
// is written from (a test keeps the two equal): `atrium plugin new NAME`.
package scaffold

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

//go:embed skeleton
var skeleton embed.FS

var validName = regexp.MustCompile(`^[a-z][a-z0-9]{1,30}$`)

// Files returns the new plugin's files by path: the skeleton with "example"
// replaced by name and "Example" by its capitalised form.
func Files(name string) (map[string][]byte, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("plugin new: %q must be 2-31 lower case letters and digits, starting with a letter", name)
	}
	title := strings.ToUpper(name[:1]) + name[1:]
	out := map[string][]byte{}
	err := fs.WalkDir(skeleton, "skeleton", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(skeleton, path)
		if err != nil {
			return err
		}
		// The demo's addresses (harbour.example) keep their domain.
		text := strings.NewReplacer("harbour.example", "harbour.example", "example", name, "Example", title).Replace(string(data))
		rel := strings.TrimSuffix(strings.TrimPrefix(path, "skeleton/"), ".tmpl")
		out[rel] = []byte(text)
		return nil
	})
	return out, err
}

// Write creates the plugin's folder under dir (normally plugins/) and refuses
// to overwrite one that exists.
func Write(dir, name string) (string, error) {
	files, err := Files(name)
	if err != nil {
		return "", err
	}
	root := filepath.Join(dir, name)
	if _, err := os.Stat(root); err == nil {
		return "", fmt.Errorf("plugin new: %s exists already; choose another name", root)
	}
	for rel, data := range files {
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return "", err
		}
	}
	return root, nil
}
