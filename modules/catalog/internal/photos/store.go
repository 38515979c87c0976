// Package photos stores listing photos behind a small interface. The default
// keeps files in a folder, which several replicas can share as a mounted
// volume; keys are generated names, never user input, so no path escapes it.
package photos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"
)

// ErrNotFound is returned for a key that holds nothing.
var ErrNotFound = errors.New("photo not found")

// Store keeps photo files by key.
type Store interface {
	// Put stores data under key, replacing any earlier file atomically.
	Put(ctx context.Context, key string, data []byte) error
	// Open returns the file under key, or ErrNotFound.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// validKey matches the names the service generates, e.g. "b12/3fa9c0-800.jpg".
var validKey = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9-]+\.(jpg|png|webp)$`)

// ValidKey reports whether key has the shape of a stored photo's key.
func ValidKey(key string) bool { return validKey.MatchString(key) }

// Dir stores photos as files under a folder.
type Dir struct{ root string }

// NewDir returns a store rooted at dir, creating it if needed.
func NewDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("photo folder: %w", err)
	}
	return &Dir{root: dir}, nil
}

func (d *Dir) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", ErrNotFound
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put implements Store. It writes a temporary file and renames it, so a
// reader on another replica never sees half a photo.
func (d *Dir) Put(_ context.Context, key string, data []byte) error {
	p, err := d.path(key)
	if err != nil {
		return fmt.Errorf("put photo: invalid key %q", key)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Open implements Store.
func (d *Dir) Open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete implements Store.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Mem stores photos in memory, for tests and commands that need no files.
type Mem struct {
	mu    sync.Mutex
	files map[string][]byte
}

// NewMemStore returns an empty in-memory store.
func NewMemStore() *Mem { return &Mem{files: map[string][]byte{}} }

// Put implements Store.
func (m *Mem) Put(_ context.Context, key string, data []byte) error {
	if !ValidKey(key) {
		return fmt.Errorf("put photo: invalid key %q", key)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[key] = bytes.Clone(data)
	return nil
}

// Open implements Store.
func (m *Mem) Open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[key]
	if !ok {
		return nil, ErrNotFound
	}
	return nopCloser{bytes.NewReader(b)}, nil
}

// Delete implements Store.
func (m *Mem) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, key)
	return nil
}

// Len is the number of stored files.
func (m *Mem) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.files)
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
