// Package blob is applyq's blob store adapter: a thin wrapper over
// gocloud.dev/blob that keeps bytes (documents today, evidence later) under
// opaque keys the caller chooses. Postgres keeps what the bytes are; the
// store only keeps them.
//
// Three kinds of URL open a store:
//
//   - file:///abs/dir?create_dir=true&no_tmp_dir=true — a local directory
//     (fileblob). create_dir makes the directory at Open; no_tmp_dir writes
//     each blob's temporary file next to it, so the final rename never
//     crosses file systems. Each blob gets a ".attrs" sidecar holding its
//     content type and MD5.
//   - s3://bucket?region=eu-west-1 — S3 or an S3-compatible store (s3blob, AWS
//     SDK v2): add endpoint=https://minio.internal:9000&use_path_style=true for
//     MinIO, Ceph or similar. Credentials come from the standard AWS
//     environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), shared
//     config files or the instance's role, never from the URL.
//   - mem:// — in memory, gone with the process (tests).
package blob

import (
	"bytes"
	"context"
	"crypto/md5" // #nosec G501 -- an integrity check against the store's own checksum, not a security hash
	"errors"
	"fmt"
	"io"
	"net/url"

	gcblob "gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file://
	_ "gocloud.dev/blob/memblob"  // mem://
	_ "gocloud.dev/blob/s3blob"   // s3://
	"gocloud.dev/gcerrors"
)

// Schemes are the URL schemes Open accepts.
var Schemes = []string{"file", "s3", "mem"}

// ErrNotFound is a key with no blob.
var ErrNotFound = errors.New("blob: not found")

// Store keeps blobs in one bucket. It is safe for concurrent use.
type Store struct {
	bucket *gcblob.Bucket
}

// Open opens the store at rawURL (see the package comment for the forms).
// A directory that does not exist (without create_dir) or an unknown URL
// parameter is an error now; an S3 bucket is first reached by the first
// read or write.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob store URL: %w", err)
	}
	known := false
	for _, s := range Schemes {
		known = known || u.Scheme == s
	}
	if !known {
		return nil, fmt.Errorf("blob store URL: scheme %q is not one of file://, s3:// or mem://", u.Scheme)
	}
	b, err := gcblob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("opening blob store %s://%s: %w", u.Scheme, u.Host, err)
	}
	return &Store{bucket: b}, nil
}

// Put writes data under key with its content type, replacing any blob
// there, and checks that the store holds all of it: the store's size (and
// MD5, where it reports one) must match what was sent. A store that holds
// less is an error, and what it held is deleted.
func (s *Store) Put(ctx context.Context, key, contentType string, data []byte) error {
	sum := md5.Sum(data) // #nosec G401 -- see the import
	opts := &gcblob.WriterOptions{ContentType: contentType, ContentMD5: sum[:]}
	if err := s.bucket.WriteAll(ctx, key, data, opts); err != nil {
		return fmt.Errorf("writing blob %s: %w", key, err)
	}
	attrs, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		return fmt.Errorf("checking blob %s: %w", key, err)
	}
	if attrs.Size != int64(len(data)) || (len(attrs.MD5) > 0 && !bytes.Equal(attrs.MD5, sum[:])) {
		_ = s.bucket.Delete(ctx, key)
		return fmt.Errorf("blob %s was not written whole: the store holds %d bytes of %d", key, attrs.Size, len(data))
	}
	return nil
}

// Get returns a reader of the blob under key; the caller closes it. A key
// with no blob is ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", key, err)
	}
	return r, nil
}

// Delete removes the blob under key. A key with no blob is not an error, so
// a delete can be repeated.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.bucket.Delete(ctx, key)
	if err == nil || gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return fmt.Errorf("deleting blob %s: %w", key, err)
}

// Exists reports whether a blob is stored under key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := s.bucket.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("looking up blob %s: %w", key, err)
	}
	return ok, nil
}

// Close releases the store's resources.
func (s *Store) Close() error { return s.bucket.Close() }
