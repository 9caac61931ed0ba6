package pluginhost

import (
	"crypto/ed25519"
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
	"strings"
)

// Trust is the operator's word on plugin binaries: which exact binaries
// (SHA-256) may run, and which plugins are switched off. A binary that is not
// allowed never starts.
type Trust struct {
	Allow    map[string]string `json:"allow"`    // plugin name → SHA-256 of its binary
	Disabled []string          `json:"disabled"` // plugins not to start
	// Vendors are the Ed25519 public keys (hex) of vendors whose signed
	// binaries may run: a binary with a valid <binary>.sig by one of them needs
	// no entry in Allow.
	Vendors map[string]string `json:"vendors,omitempty"` // vendor name → public key
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

// Signed tells whether a binary carries a valid signature (<path>.sig, hex) of
// its SHA-256 by one of the trusted vendors, and by whom.
func (t *Trust) Signed(path, sum string) (string, bool) {
	raw, err := os.ReadFile(path + ".sig")
	if err != nil {
		return "", false
	}
	sig, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		return "", false
	}
	digest, err := hex.DecodeString(sum)
	if err != nil {
		return "", false
	}
	for vendor, key := range t.Vendors {
		pub, err := hex.DecodeString(key)
		if err == nil && len(pub) == ed25519.PublicKeySize && ed25519.Verify(ed25519.PublicKey(pub), digest, sig) {
			return vendor, true
		}
	}
	return "", false
}

// Sign writes <path>.sig: the vendor's Ed25519 signature of the binary's SHA-256.
func Sign(path string, key ed25519.PrivateKey) error {
	sum, err := Sum(path)
	if err != nil {
		return err
	}
	digest, _ := hex.DecodeString(sum)
	return os.WriteFile(path+".sig", []byte(hex.EncodeToString(ed25519.Sign(key, digest))+"\n"), 0o644)
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
		if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 || strings.HasSuffix(e.Name(), ".sig") {
			continue
		}
		out[e.Name()] = filepath.Join(dir, e.Name())
	}
	return out, nil
}
