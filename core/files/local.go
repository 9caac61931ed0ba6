package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// local keeps files in a folder: one file per key, written under a
// temporary name and renamed, so a reader never sees half a file.
type local struct{ dir string }

func openLocal(dir string) (*local, error) {
	if err := os.MkdirAll(filepath.Join(dir, ".incoming"), 0o700); err != nil {
		return nil, fmt.Errorf("files: cannot create the folder %s: %w; check files.dir and its rights", dir, err)
	}
	return &local{dir: dir}, nil
}

func (l *local) Name() string { return "folder " + l.dir }

// path is where key lives; keys are the service's own (letters, digits,
// dashes and slashes), never a user's, and are checked all the same.
func (l *local) path(key string) (string, error) {
	if key == "" || strings.Contains(key, "..") || strings.HasPrefix(key, "/") || strings.ContainsRune(key, '\\') {
		return "", fmt.Errorf("files: bad key %q", key)
	}
	return filepath.Join(l.dir, filepath.FromSlash(key)), nil
}

func (l *local) Put(ctx context.Context, key string, r io.Reader) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(l.dir, ".incoming"), "put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; the leftover of a failure otherwise
	if _, err := io.Copy(tmp, contextReader{ctx, r}); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

func (l *local) Open(_ context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errMissing
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, err
	}
	if length < 0 {
		return f, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, length), f}, nil
}

func (l *local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// contextReader stops a copy when its request ends.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
