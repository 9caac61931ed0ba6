package files

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/atriumhq/atrium/core/config"
)

// s3 keeps files in a bucket of an S3-compatible store.
type s3 struct {
	client *minio.Client
	bucket string
	prefix string
}

// partSize is the size of each part of an upload of unknown length: the
// client holds one part in memory at a time, so the smallest S3 allows.
const partSize = 5 << 20

func openS3(ctx context.Context, cfg config.Files) (*s3, error) {
	var creds *credentials.Credentials
	if cfg.S3AccessKey != "" {
		creds = credentials.NewStaticV4(cfg.S3AccessKey, cfg.S3SecretKey, "")
	} else {
		creds = credentials.New(&credentials.Static{Value: credentials.Value{SignerType: credentials.SignatureAnonymous}})
	}
	client, err := minio.New(cfg.S3Endpoint, &minio.Options{Creds: creds, Secure: cfg.S3TLS, Region: cfg.S3Region})
	if err != nil {
		return nil, fmt.Errorf("files: the S3 store at %s: %w; check files.s3_endpoint", cfg.S3Endpoint, err)
	}
	exists, err := client.BucketExists(ctx, cfg.S3Bucket)
	if err != nil {
		return nil, fmt.Errorf("files: the S3 store at %s does not answer: %w; check files.s3_endpoint and its keys", cfg.S3Endpoint, err)
	}
	if !exists {
		if err := client.MakeBucket(ctx, cfg.S3Bucket, minio.MakeBucketOptions{Region: cfg.S3Region}); err != nil {
			return nil, fmt.Errorf("files: cannot create the bucket %s: %w; create it, or give the keys that right", cfg.S3Bucket, err)
		}
	}
	prefix := strings.Trim(cfg.S3Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &s3{client: client, bucket: cfg.S3Bucket, prefix: prefix}, nil
}

func (s *s3) Name() string { return "S3 bucket " + s.bucket }

func (s *s3) Put(ctx context.Context, key string, r io.Reader) error {
	_, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, r, -1, minio.PutObjectOptions{
		ContentType: "application/octet-stream", PartSize: partSize})
	return err
}

func (s *s3) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{}
	switch {
	case length == 0:
		return io.NopCloser(strings.NewReader("")), nil
	case length > 0:
		if err := opts.SetRange(offset, offset+length-1); err != nil {
			return nil, err
		}
	case offset > 0:
		if err := opts.SetRange(offset, 0); err != nil {
			return nil, err
		}
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, opts)
	if err != nil {
		return nil, err
	}
	// GetObject is lazy: the first read says whether the object is there.
	if _, err := obj.Stat(); err != nil {
		_ = obj.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, errMissing
		}
		return nil, err
	}
	return obj, nil
}

func (s *s3) Delete(ctx context.Context, key string) error {
	return s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{})
}
