package files

import (
	"context"
	"errors"
	"io"

	"github.com/atriumhq/atrium/core/config"
)

// Backend keeps files' bytes under keys the service chooses.
type Backend interface {
	// Put stores everything r gives under key; on error nothing is kept.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open reads length bytes from offset (length < 0: to the end).
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	// Delete removes key; one already gone is no error.
	Delete(ctx context.Context, key string) error
	// Name says which store this is, for logs and the operator.
	Name() string
}

// errMissing is a key the store does not have.
var errMissing = errors.New("files: the store has no such key")

// OpenBackend returns the store the configuration names: an S3-compatible
// one where files.s3_endpoint is set, the local folder otherwise.
func OpenBackend(ctx context.Context, cfg config.Files) (Backend, error) {
	if cfg.S3Endpoint != "" {
		return openS3(ctx, cfg)
	}
	return openLocal(cfg.Dir)
}
