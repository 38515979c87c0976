package photos

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 stores photos as objects in a bucket of any S3-compatible store (AWS
// S3, MinIO, Ceph, Cloudflare R2, GCS in interoperability mode), so that
// replicas on different machines share them without a network file system.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

// NewS3 returns a store for a URL of the form
//
//	s3://BUCKET[/PREFIX][?endpoint=HOST[:PORT]|http://HOST:PORT&region=REGION]
//
// The endpoint defaults to AWS (s3.amazonaws.com); an http:// endpoint
// turns TLS off, for a store on a private network. Credentials come from
// the environment as every S3 tool reads them (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, or MINIO_ROOT_USER/MINIO_ROOT_PASSWORD), or else
// from the machine's IAM role. Nothing is contacted until the first photo.
func NewS3(rawURL string) (*S3, error) {
	u, err := url.Parse(rawURL)
	var q url.Values
	if err == nil {
		q, err = url.ParseQuery(u.RawQuery)
	}
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, fmt.Errorf("photo store %q: want s3://bucket[/prefix][?endpoint=...&region=...]", rawURL)
	}
	endpoint, secure := q.Get("endpoint"), true
	switch {
	case endpoint == "":
		endpoint = "s3.amazonaws.com"
	case strings.HasPrefix(endpoint, "http://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "http://"), false
	case strings.HasPrefix(endpoint, "https://"):
		endpoint = strings.TrimPrefix(endpoint, "https://")
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds: credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{}, &credentials.EnvMinio{}, &credentials.IAM{},
		}),
		Secure: secure,
		Region: q.Get("region"),
	})
	if err != nil {
		return nil, fmt.Errorf("photo store %q: %w", rawURL, err)
	}
	return &S3{client: client, bucket: u.Host, prefix: strings.Trim(u.Path, "/")}, nil
}

func (s *S3) object(key string) string { return path.Join(s.prefix, key) }

// Put implements Store. An S3 PUT replaces the object whole, so a reader
// never sees half a photo.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if !ValidKey(key) {
		return fmt.Errorf("put photo: invalid key %q", key)
	}
	_, err := s.client.PutObject(ctx, s.bucket, s.object(key), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType(key)})
	if err != nil {
		return fmt.Errorf("put photo %s: %w", key, err)
	}
	return nil
}

// Open implements Store. The object reads lazily and seeks with ranged
// requests, so http.ServeContent streams it and answers Range requests.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if !ValidKey(key) {
		return nil, ErrNotFound
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.object(key), minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			_ = obj.Close()
		}
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("open photo %s: %w", key, err)
	}
	return obj, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return nil
	}
	err := s.client.RemoveObject(ctx, s.bucket, s.object(key), minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return fmt.Errorf("delete photo %s: %w", key, err)
	}
	return nil
}

// Walk implements Store, listing the objects under the store's prefix.
func (s *S3) Walk(ctx context.Context, fn func(File) error) error {
	prefix := ""
	if s.prefix != "" {
		prefix = s.prefix + "/"
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing when fn stops the walk
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("walk photos: %w", obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, prefix)
		if !ValidKey(key) {
			continue
		}
		if err := fn(File{Key: key, Modified: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func contentType(key string) string {
	switch path.Ext(key) {
	case ".png":
		return "image/png"
	case ".webp":
		return "image/webp"
	}
	return "image/jpeg"
}

// New returns the store a --photo-store value names: empty for the folder
// dir, or an s3:// URL (see NewS3).
func New(store, dir string) (Store, error) {
	if store == "" {
		return NewDir(dir)
	}
	return NewS3(store)
}
