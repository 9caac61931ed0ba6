// Package scaffold makes a new plugin from its skeleton: `atrium plugin new
// NAME`. The skeleton is the one source of the example plugin too:
// plugins/example is what it makes for the name "example" (a test keeps it
// so; go test ./plugins/scaffold -update writes it again after a change to
// the skeleton).
package scaffold

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

// The skeleton's files are templates with [% %] as delimiters, since they
// hold Go templates and go-i18n messages of their own: [%.ID%] is the
// plugin's id, [%.Title%] its capitalised form.
//
//go:embed skeleton
var skeleton embed.FS

var validName = regexp.MustCompile(`^[a-z][a-z0-9]{1,30}$`)

// plugin is what the skeleton's templates are given.
type plugin struct {
	ID, Title string
	// Generated marks the files as generated, for plugins/example.
	Generated bool
}

// Files returns the new plugin's files by path, the skeleton's templates
// executed for name.
func Files(name string) (map[string][]byte, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("plugin new: %q must be 2-31 lower case letters and digits, starting with a letter", name)
	}
	data := plugin{ID: name, Title: strings.ToUpper(name[:1]) + name[1:], Generated: name == "example"}
	out := map[string][]byte{}
	err := fs.WalkDir(skeleton, "skeleton", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(skeleton, path)
		if err != nil {
			return err
		}
		tmpl, err := template.New(path).Delims("[%", "%]").Option("missingkey=error").Parse(string(src))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, data); err != nil {
			return err
		}
		out[strings.TrimSuffix(strings.TrimPrefix(path, "skeleton/"), ".tmpl")] = b.Bytes()
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
	return root, writeFiles(root, files)
}

func writeFiles(root string, files map[string][]byte) error {
	for rel, data := range files {
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
