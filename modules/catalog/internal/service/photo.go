package service

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"

	// Decoders for the accepted formats register themselves.
	_ "image/png"

	"github.com/jackc/pgx/v5"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/platform/apperr"
)

// Photo limits.
const (
	MaxPhotos     = 6
	MaxPhotoBytes = 5 << 20
	// maxPixels refuses decompression bombs before decoding: a small file
	// that claims a gigantic image.
	maxPixels = 40_000_000
	largeEdge = 1200
	thumbEdge = 320

	largeSuffix = "1200.jpg"
	thumbSuffix = "320.jpg"
)

// Photo errors, all on the "photo" field.
var (
	ErrPhotoTooLarge = apperr.ErrInvalid.WithMessage("the photo is larger than 5 MB").WithFields(map[string]string{"photo": "must be at most 5 MB"})
	ErrPhotoType     = apperr.ErrInvalid.WithMessage("the file is not a JPEG, PNG or WebP image").WithFields(map[string]string{"photo": "must be a JPEG, PNG or WebP image"})
	ErrPhotoCount    = apperr.ErrInvalid.WithMessage("a listing has at most 6 photos").WithFields(map[string]string{"photo": "a listing has at most 6 photos; delete one first"})
	ErrPhotoNotFound = apperr.ErrNotFound.WithMessage("photo not found")
)

// AddPhoto checks an uploaded image by its content, never its name,
// re-encodes it (which drops EXIF and every other metadata), stores a
// display size and a thumbnail, and attaches it to the listing.
func (s *Service) AddPhoto(ctx context.Context, u auth.User, id catalog.BookID, data []byte) (Photo, error) {
	large, thumb, w, h, perr := processPhoto(data)
	var p Photo
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.owned(ctx, tx, u, id); err != nil {
			return err
		}
		if perr != nil {
			return perr
		}
		n, err := s.q.CountPhotos(ctx, tx, int64(id))
		if err != nil {
			return err
		}
		if n >= MaxPhotos {
			return ErrPhotoCount
		}
		key := fmt.Sprintf("b%d/%s", id, randomName())
		if err := s.opts.Photos.Put(ctx, key+"-"+largeSuffix, large); err != nil {
			return err
		}
		if err := s.opts.Photos.Put(ctx, key+"-"+thumbSuffix, thumb); err != nil {
			s.deletePhotoFiles(ctx, key)
			return err
		}
		row, err := s.q.AddPhoto(ctx, tx, dbsqlc.AddPhotoParams{BookID: int64(id), Key: key, Width: int32(w), Height: int32(h)})
		if err != nil {
			s.deletePhotoFiles(ctx, key)
			return err
		}
		p = Photo{ID: row.ID, Key: row.Key, Width: int(row.Width), Height: int(row.Height)}
		return nil
	})
	if err != nil {
		return Photo{}, fmt.Errorf("add photo to listing %d: %w", id, err)
	}
	return p, nil
}

// DeletePhoto removes one photo of the seller's listing.
func (s *Service) DeletePhoto(ctx context.Context, u auth.User, id catalog.BookID, photoID int64) error {
	var key string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.owned(ctx, tx, u, id); err != nil {
			return err
		}
		k, err := s.q.DeletePhoto(ctx, tx, dbsqlc.DeletePhotoParams{ID: photoID, BookID: int64(id)})
		if isNoRows(err) {
			return ErrPhotoNotFound
		}
		key = k
		return err
	})
	if err != nil {
		return fmt.Errorf("delete photo %d: %w", photoID, err)
	}
	s.deletePhotoFiles(ctx, key)
	return nil
}

func (s *Service) deletePhotoFiles(ctx context.Context, key string) {
	for _, suffix := range []string{largeSuffix, thumbSuffix} {
		if err := s.opts.Photos.Delete(ctx, key+"-"+suffix); err != nil {
			s.opts.Log.Warn("delete photo file", "key", key, "err", err)
		}
	}
}

func randomName() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// processPhoto validates and re-encodes one upload.
func processPhoto(data []byte) (large, thumb []byte, w, h int, err error) {
	if len(data) > MaxPhotoBytes {
		return nil, nil, 0, 0, ErrPhotoTooLarge
	}
	switch http.DetectContentType(data) {
	case "image/jpeg", "image/png", "image/webp":
	default:
		return nil, nil, 0, 0, ErrPhotoType
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width < 1 || cfg.Height < 1 {
		return nil, nil, 0, 0, ErrPhotoType
	}
	if cfg.Width*cfg.Height > maxPixels {
		return nil, nil, 0, 0, apperr.ErrInvalid.WithMessage("the photo has too many pixels").
			WithFields(map[string]string{"photo": "must be at most 40 megapixels"})
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, nil, 0, 0, ErrPhotoType
	}
	lg, lw, lh := resize(img, largeEdge)
	if large, err = encodeJPEG(lg); err != nil {
		return nil, nil, 0, 0, err
	}
	th, _, _ := resize(img, thumbEdge)
	if thumb, err = encodeJPEG(th); err != nil {
		return nil, nil, 0, 0, err
	}
	return large, thumb, lw, lh, nil
}

// resize fits img within edge×edge on a white background (transparent PNG
// and WebP become white, not black, as JPEG).
func resize(img image.Image, edge int) (image.Image, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > edge || h > edge {
		if w >= h {
			h = max(1, h*edge/w)
			w = edge
		} else {
			w = max(1, w*edge/h)
			h = edge
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), &image.Uniform{C: color.White}, image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst, w, h
}

func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("encode photo: %w", err)
	}
	return buf.Bytes(), nil
}
