package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v3"
)

// Assets serves a theme's static files under fingerprinted names such as
// /static/app.3f2a1b9c.css. A name changes whenever the content does, so every
// asset can be cached for a year; templates find the current name with `asset`.
type Assets struct {
	byLogical map[string]string // "app.css" → "/static/app.3f2a1b9c.css"
	byURL     map[string]*asset
}

type asset struct {
	body, gzipped []byte
	contentType   string
}

// LoadAssets reads and fingerprints every file in fsys, compressing text once.
func LoadAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{byLogical: map[string]string{}, byURL: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".md") {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		url := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		item := &asset{body: body, contentType: mime.TypeByExtension(ext)}
		if item.contentType == "" {
			item.contentType = "application/octet-stream"
		}
		if compressible(item.contentType) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			if buf.Len() < len(body) {
				item.gzipped = buf.Bytes()
			}
		}
		a.byLogical[name] = url
		a.byURL[url] = item
		return nil
	})
	return a, err
}

// URL gives the fingerprinted address of a logical name such as "app.css". An
// unknown name is a bug in a template, so it fails the render loudly.
func (a *Assets) URL(name string) (string, error) {
	if u, ok := a.byLogical[name]; ok {
		return u, nil
	}
	return "", fmt.Errorf("asset %q does not exist in the theme's static folder", name)
}

// Handler serves /static/*.
func (a *Assets) Handler(c fiber.Ctx) error {
	item, ok := a.byURL[c.Path()]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, item.contentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if item.gzipped != nil && strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(item.gzipped)
	}
	return c.Send(item.body)
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || strings.Contains(contentType, "javascript") ||
		strings.Contains(contentType, "json") || strings.Contains(contentType, "svg")
}
