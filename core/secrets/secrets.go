// Package secrets owns the key that protects secrets at rest and the small
// primitives built on it: sealing values with AES-256-GCM, keyed digests for
// values that are only ever compared (backup codes), and random tokens.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/atriumhq/atrium/core/config"
)

// Box seals and opens secrets with the installation's key.
type Box struct {
	aead   cipher.AEAD
	digest []byte // a separate key for digests, derived from the main one
}

// ErrCorrupt is returned when a sealed value does not open: it was changed, or
// sealed with another key or for another purpose.
var ErrCorrupt = errors.New("secrets: sealed value does not open; was security.secret_key changed?")

// Open returns the Box for the configured key. Without secret_key it reads
// key_file, creating it with a fresh random key on first start (that is how
// `make run` gets a local development key).
func Open(cfg config.Security) (*Box, error) {
	key, err := loadKey(cfg)
	if err != nil {
		return nil, err
	}
	return NewBox(key)
}

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: key must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("atrium digest key"))
	return &Box{aead: aead, digest: mac.Sum(nil)}, nil
}

func loadKey(cfg config.Security) ([]byte, error) {
	if cfg.SecretKey != "" {
		return hex.DecodeString(cfg.SecretKey)
	}
	data, err := os.ReadFile(cfg.KeyFile)
	if errors.Is(err, os.ErrNotExist) {
		return createKeyFile(cfg.KeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: cannot read %s (%v); check security.key_file", cfg.KeyFile, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("secrets: %s does not hold 64 hex digits; restore the right key file (secrets sealed with another key cannot be opened)", cfg.KeyFile)
	}
	return key, nil
}

// createKeyFile writes a new key; O_EXCL makes two processes starting at once
// agree on one key (the loser reads the winner's).
func createKeyFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secrets: cannot create the folder of %s: %w", path, err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadKey(config.Security{KeyFile: path})
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: cannot create %s (%v); check security.key_file", path, err)
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return nil, err
	}
	return key, nil
}

// Seal encrypts plain, bound to purpose (such as "totp:42"): a value sealed for
// one purpose does not open for another, so rows cannot be swapped.
func (b *Box) Seal(purpose string, plain []byte) string {
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := b.aead.Seal(nonce, nonce, plain, []byte(purpose))
	return base64.RawStdEncoding.EncodeToString(sealed)
}

// OpenSealed decrypts a value sealed for purpose.
func (b *Box) OpenSealed(purpose, sealed string) ([]byte, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return nil, ErrCorrupt
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(purpose))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// Digest is a keyed hash of value, for short secrets that are compared but
// never shown again. Without the key a stolen table cannot be brute-forced.
func (b *Box) Digest(value string) string {
	mac := hmac.New(sha256.New, b.digest)
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil))
}

// Token returns a random URL-safe token of n bytes of entropy.
func Token(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Hash is the SHA-256 of a high-entropy token, hex encoded: what the database
// keeps instead of the token itself.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewKey returns a fresh key as 64 hex digits, for security.secret_key.
func NewKey() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return hex.EncodeToString(key)
}
