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
	"slices"
	"strings"
	"sync"
	"time"
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
	// Walk calls fn with each stored file, in no set order, and stops at
	// the first error fn returns, which it returns. A file put or deleted
	// meanwhile may or may not be seen.
	Walk(ctx context.Context, fn func(File) error) error
}

// File is a stored file as Walk finds it.
type File struct {
	Key string
	// Modified is when the file was stored, by the store's clock.
	Modified time.Time
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
	tmp, err := createIn(filepath.Dir(p))
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

// createIn creates a temporary file in dir, making dir first. A Delete of
// the folder's last file removes the folder, and may do so between the two:
// the folder is then made again, once.
func createIn(dir string) (*os.File, error) {
	for again := true; ; again = false {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(dir, ".upload-*")
		if errors.Is(err, fs.ErrNotExist) && again {
			continue
		}
		return f, err
	}
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

// Delete implements Store. The folder of a listing, or of a seller's
// staged photos, goes with its last file, so a deleted listing leaves no
// empty folder behind.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// Fails, as it should, while the folder holds another file.
	_ = os.Remove(filepath.Dir(p))
	return nil
}

// Walk implements Store. It removes the empty folders it passes, such as
// those left before Delete removed them.
func (d *Dir) Walk(ctx context.Context, fn func(File) error) error {
	dirs, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("walk photos: %w", err)
	}
	for _, dir := range dirs {
		if !dir.IsDir() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		files, err := os.ReadDir(filepath.Join(d.root, dir.Name()))
		if err != nil {
			return fmt.Errorf("walk photos: %w", err)
		}
		if len(files) == 0 {
			_ = os.Remove(filepath.Join(d.root, dir.Name()))
			continue
		}
		for _, f := range files {
			key := dir.Name() + "/" + f.Name()
			if !ValidKey(key) {
				continue
			}
			info, err := f.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("walk photos: %w", err)
			}
			if err := fn(File{Key: key, Modified: info.ModTime()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Mem stores photos in memory, for tests and commands that need no files.
type Mem struct {
	mu    sync.Mutex
	files map[string]memFile
}

type memFile struct {
	data []byte
	at   time.Time
}

// NewMemStore returns an empty in-memory store.
func NewMemStore() *Mem { return &Mem{files: map[string]memFile{}} }

// Put implements Store.
func (m *Mem) Put(_ context.Context, key string, data []byte) error {
	if !ValidKey(key) {
		return fmt.Errorf("put photo: invalid key %q", key)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[key] = memFile{data: bytes.Clone(data), at: time.Now()}
	return nil
}

// Open implements Store.
func (m *Mem) Open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[key]
	if !ok {
		return nil, ErrNotFound
	}
	return nopCloser{bytes.NewReader(f.data)}, nil
}

// Delete implements Store.
func (m *Mem) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, key)
	return nil
}

// Walk implements Store, over the files stored when it is called.
func (m *Mem) Walk(_ context.Context, fn func(File) error) error {
	m.mu.Lock()
	files := make([]File, 0, len(m.files))
	for k, f := range m.files {
		files = append(files, File{Key: k, Modified: f.at})
	}
	m.mu.Unlock()
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Key, b.Key) })
	for _, f := range files {
		if err := fn(f); err != nil {
			return err
		}
	}
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
