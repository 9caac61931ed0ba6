package secrets_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/secrets"
)

func TestKeyFileIsCreatedOnceAndReused(t *testing.T) {
	t.Parallel()
	cfg := config.Security{KeyFile: filepath.Join(t.TempDir(), "sub", "secret.key")}
	a, err := secrets.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(cfg.KeyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	sealed := a.Seal("totp:1", []byte("JBSWY3DPEHPK3PXP"))
	b, err := secrets.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := b.OpenSealed("totp:1", sealed)
	if err != nil || string(plain) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("reopened with the same file: %q %v", plain, err)
	}
	if a.Digest("x") != b.Digest("x") {
		t.Error("digests differ with the same key")
	}
}

func TestSealedValuesAreBoundToPurposeAndKey(t *testing.T) {
	t.Parallel()
	box, _ := secrets.Open(config.Security{SecretKey: secrets.NewKey()})
	other, _ := secrets.Open(config.Security{SecretKey: secrets.NewKey()})
	sealed := box.Seal("totp:1", []byte("secret"))
	if strings.Contains(sealed, "secret") {
		t.Fatal("sealed value shows the secret")
	}
	if _, err := box.OpenSealed("totp:2", sealed); err == nil {
		t.Error("opened for another row")
	}
	if _, err := other.OpenSealed("totp:1", sealed); err == nil {
		t.Error("opened with another key")
	}
	if _, err := box.OpenSealed("totp:1", "not base64!"); err == nil {
		t.Error("garbage opened")
	}
	first, second := box.Seal("p", []byte("a")), box.Seal("p", []byte("a"))
	if first == second {
		t.Error("sealing is not randomised")
	}
}

func TestBadKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secret.key")
	_ = os.WriteFile(path, []byte("short"), 0o600)
	if _, err := secrets.Open(config.Security{KeyFile: path}); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Fatalf("bad key file: %v", err)
	}
}
