package pluginhost

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
)

// Trust is the operator's word on plugin binaries: which exact binaries
// (SHA-256) may run, and which plugins are switched off. A binary that is not
// allowed never starts.
type Trust struct {
	Allow    map[string]string `json:"allow"`    // plugin name → SHA-256 of its binary
	Disabled []string          `json:"disabled"` // plugins not to start
}

// LoadTrust reads the trust file; a missing file trusts nothing.
func LoadTrust(path string) (*Trust, error) {
	t := &Trust{Allow: map[string]string{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("plugins: cannot read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("plugins: %s is not valid JSON (%v); fix or remove it, then allow the plugins again", path, err)
	}
	if t.Allow == nil {
		t.Allow = map[string]string{}
	}
	return t, nil
}

// Save writes the trust file atomically.
func (t *Trust) Save(path string) error {
	sort.Strings(t.Disabled)
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Allowed tells whether a binary may run: its sum is the allowed one and the
// plugin is not disabled.
func (t *Trust) Allowed(name, sum string) bool {
	return t.Allow[name] == sum && sum != "" && !slices.Contains(t.Disabled, name)
}

// SetDisabled switches a plugin off or on.
func (t *Trust) SetDisabled(name string, off bool) {
	t.Disabled = slices.DeleteFunc(t.Disabled, func(n string) bool { return n == name })
	if off {
		t.Disabled = append(t.Disabled, name)
	}
}

// Sum is the SHA-256 of a file, hex encoded.
func Sum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Binaries lists the plugin binaries in a folder: executable regular files,
// by name.
func Binaries(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
			continue
		}
		out[e.Name()] = filepath.Join(dir, e.Name())
	}
	return out, nil
}
