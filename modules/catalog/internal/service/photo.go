package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	// Decoders for the accepted formats register themselves.
	_ "image/png"

	"github.com/jackc/pgx/v5"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/machine"
	"github.com/bookstore/bookstore/platform/random"
	"github.com/bookstore/bookstore/platform/text"
)

// Photo limits.
const (
	MaxPhotos     = 6
	MaxPhotoBytes = 5 << 20
	// MaxDecodeBytes bounds the memory one photo may take to decode, judged
	// from its header before any pixel is decoded (decodeCost), so a small
	// file that claims a huge or deep image (a decompression bomb) costs
	// nothing. A 12-megapixel photo fits in every common form (a phone's
	// JPEG takes 18 MB, an 8-bit RGBA PNG 48 MB); a 16-bit PNG of the same
	// size does not.
	MaxDecodeBytes = 64 << 20
	// PhotoBytes is the most one photo holds while it is processed: its
	// decoded pixels, the upload, the two resized copies and their JPEGs.
	PhotoBytes = MaxDecodeBytes + 8<<20
	// photoMemoryShare is the part of the process's memory that photo
	// processing may hold at once; it decides how many photos are decoded
	// at a time (DefaultPhotoDecodes).
	photoMemoryShare = 0.25
	largeEdge        = 1200
	thumbEdge        = 320

	largeSuffix = "1200.jpg"
	thumbSuffix = "320.jpg"
)

// Photo errors, all on the "photo" field.
var (
	ErrPhotoTooLarge = apperr.ErrInvalid.WithMessage("the photo is larger than 5 MB").WithFields(map[string]string{"photo": "must be at most 5 MB"})
	ErrPhotoType     = apperr.ErrInvalid.WithMessage("the file is not a JPEG, PNG or WebP image").WithFields(map[string]string{"photo": "must be a JPEG, PNG or WebP image"})
	ErrPhotoCount    = apperr.ErrInvalid.WithMessage("a listing has at most 6 photos").WithFields(map[string]string{"photo": "a listing has at most 6 photos; delete one first"})
	ErrPhotoNotFound = apperr.ErrNotFound.WithMessage("photo not found")
	// ErrPhotoWithdrawn answers a photo whose listing the viewer may not
	// see (hidden, a draft, a disabled seller's), which a page shown
	// before the listing left the shop still asks for.
	ErrPhotoWithdrawn = apperr.New(apperr.NotFound, "catalog.photo_withdrawn", "photo not found")
	// ErrPhotoPixels refuses a photo that would take more than
	// MaxDecodeBytes to decode.
	ErrPhotoPixels = apperr.New(apperr.Invalid, "catalog.photo_pixels", "the photo has too many pixels to process").
			WithFields(map[string]string{"photo": "must have fewer pixels (at most 4000 on its longer side is plenty), or be saved as an ordinary JPEG"})
	// ErrPhotoOrder refuses a new order of a listing's photos that leaves
	// one out, repeats one or names another's, on the "photo_ids" field.
	ErrPhotoOrder = apperr.New(apperr.Invalid, "catalog.photo_order", "the order must name each of the listing's photos once")
	// ErrPhotoAtEnd refuses to move the first photo earlier or the last
	// later: a button on a page shown before another move.
	ErrPhotoAtEnd = apperr.New(apperr.Conflict, "catalog.photo_at_end", "the photo cannot move further that way")
)

// AddPhoto checks an uploaded image by its content, never its name,
// re-encodes it (which drops EXIF and every other metadata), stores a
// display size and a thumbnail, and attaches it to the listing. Who may
// add and whether the listing has room are checked before the photo is
// decoded, the costly part, and again when it is attached.
func (s *Service) AddPhoto(ctx context.Context, u auth.User, id catalog.BookID, data []byte) (Photo, error) {
	if err := s.inTx(ctx, func(tx pgx.Tx) error { return s.roomForPhoto(ctx, tx, u, id) }); err != nil {
		return Photo{}, fmt.Errorf("add photo to listing %d: %w", id, err)
	}
	large, thumb, w, h, err := s.processPhoto(ctx, data)
	if err != nil {
		return Photo{}, fmt.Errorf("add photo to listing %d: %w", id, err)
	}
	var p Photo
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.roomForPhoto(ctx, tx, u, id); err != nil {
			return err
		}
		key := fmt.Sprintf("%s%d/%s", photoDirPrefix, id, random.Hex(12))
		if err := s.putPhotoFiles(ctx, key, large, thumb); err != nil {
			return err
		}
		var err error
		p, err = s.insertPhoto(ctx, tx, id, key, int32(w), int32(h))
		return err
	})
	if err != nil {
		return Photo{}, fmt.Errorf("add photo to listing %d: %w", id, err)
	}
	return p, nil
}

// Upload is one photo a seller sent: the file's name, by which a refusal
// names it, and how to read it, called only when its turn comes so that
// one photo at a time is in memory.
type Upload struct {
	Name string
	Read func() ([]byte, error)
}

// PhotoUploads is the files of a multipart field as AddPhotos and
// StagePhotos take them, each read by read (web.ReadUpload) within
// MaxPhotoBytes.
func PhotoUploads(files []*multipart.FileHeader, read func(*multipart.FileHeader, int64, error) ([]byte, error)) []Upload {
	out := make([]Upload, len(files))
	for i, fh := range files {
		out[i] = Upload{Name: fh.Filename, Read: func() ([]byte, error) { return read(fh, MaxPhotoBytes, ErrPhotoTooLarge) }}
	}
	return out
}

// Refusal is a photo sent that was not added (or kept), and why. N is its
// place among the files sent, from 1, when another of them has the same
// name (phones name every photo image.jpg), so the seller can tell which;
// 0 when its name alone tells it.
type Refusal struct {
	Name string
	N    int
	Err  error
}

// Label names the refused file for the seller: its name, and its place
// among the files sent when another has the same name ("image.jpg (file
// 3)"). "file", not "photo": the pages number the photos kept or listed,
// another list.
func (f Refusal) Label() string {
	if f.N == 0 {
		return text.Quote(f.Name)
	}
	return fmt.Sprintf("%s (file %d)", text.Quote(f.Name), f.N)
}

// refuse is the refusal of uploads[i] for err.
func refuse(uploads []Upload, i int, err error) Refusal {
	f := Refusal{Name: uploads[i].Name, Err: err}
	for j, up := range uploads {
		if j != i && up.Name == f.Name {
			f.N = i + 1
			break
		}
	}
	return f
}

// RefusesPhoto reports whether err refuses one photo (its content, its
// size, a listing with no room left) rather than the whole upload (the
// listing is not the seller's to change, the database failed), so the
// photos after it are still tried.
func RefusesPhoto(err error) bool {
	switch apperr.KindOf(err) {
	case apperr.Invalid, apperr.TooLarge, apperr.BadRequest:
		return true
	}
	return false
}

// putPhotoFiles stores both files of the photo key, or neither.
func (s *Service) putPhotoFiles(ctx context.Context, key string, large, thumb []byte) error {
	if err := s.opts.Photos.Put(ctx, key+"-"+largeSuffix, large); err != nil {
		return err
	}
	if err := s.opts.Photos.Put(ctx, key+"-"+thumbSuffix, thumb); err != nil {
		s.deletePhotoFiles(ctx, key)
		return err
	}
	return nil
}

// insertPhoto adds the photo whose files key names to listing id, last;
// when it cannot, its files go.
func (s *Service) insertPhoto(ctx context.Context, tx pgx.Tx, id catalog.BookID, key string, w, h int32) (Photo, error) {
	row, err := s.q.AddPhoto(ctx, tx, dbsqlc.AddPhotoParams{BookID: int64(id), Key: key, Width: w, Height: h})
	if err != nil {
		s.deletePhotoFiles(ctx, key)
		return Photo{}, err
	}
	return toPhoto(row), nil
}

// toPhoto is a photo as the catalog's rows hold it.
func toPhoto(row dbsqlc.Photo) Photo {
	return Photo{ID: row.ID, Key: row.Key, Width: int(row.Width), Height: int(row.Height)}
}

// AddPhotos adds the photos that uploads read, in turn and each as
// AddPhoto does. A photo refused (not an image, too large, past the
// listing's MaxPhotos) is named in refused and the ones after it are still
// added, so one bad file never costs the seller the good ones. err is what
// stops the rest: the listing is not u's to change, or a failure; the
// photos added before it stay.
func (s *Service) AddPhotos(ctx context.Context, u auth.User, id catalog.BookID, uploads []Upload) (added []Photo, refused []Refusal, err error) {
	added = make([]Photo, 0, len(uploads))
	refused, err = eachUpload(uploads, func() bool { return true }, func(_ string, data []byte) error {
		p, err := s.AddPhoto(ctx, u, id, data)
		if err == nil {
			added = append(added, p)
		}
		return err
	})
	return added, refused, err
}

// eachUpload reads uploads in turn and hands each to put, while room says
// there is room for one more (else it is refused with ErrPhotoCount,
// unread). A photo refused (RefusesPhoto) is named in the refusals and the
// ones after it are still tried; any other error stops the rest.
func eachUpload(uploads []Upload, room func() bool, put func(name string, data []byte) error) ([]Refusal, error) {
	var refused []Refusal
	for i, up := range uploads {
		var err error = ErrPhotoCount
		if room() {
			var data []byte
			if data, err = up.Read(); err == nil {
				if err = put(up.Name, data); err == nil {
					continue
				}
			}
		}
		if !RefusesPhoto(err) {
			return refused, err
		}
		refused = append(refused, refuse(uploads, i, err))
	}
	return refused, nil
}

// roomForPhoto locks the listing for u's change and checks it has fewer
// than MaxPhotos.
func (s *Service) roomForPhoto(ctx context.Context, tx pgx.Tx, u auth.User, id catalog.BookID) error {
	if _, err := s.owned(ctx, tx, u, id); err != nil {
		return err
	}
	n, err := s.q.CountPhotos(ctx, tx, int64(id))
	if err != nil {
		return err
	}
	if n >= MaxPhotos {
		return ErrPhotoCount
	}
	return nil
}

// DeletePhoto removes one photo of the seller's listing, archived or not:
// a seller may always take a photo offline.
func (s *Service) DeletePhoto(ctx context.Context, u auth.User, id catalog.BookID, photoID int64) error {
	var key string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.owned(ctx, tx, u, id); err != nil && !errors.Is(err, ErrArchived) {
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

// A PhotoOrder makes the new order of a listing's photos from the order
// they have now (their ids, the cover first). ReorderPhotos reads that
// order under the listing's lock, so a move applies to the photos as they
// are, not as a page shown a moment before had them.
type PhotoOrder func(now []int64) ([]int64, error)

// PhotoIDs is the order ids gives, the cover first, as an API client sends
// it; ReorderPhotos refuses it (ErrPhotoOrder) unless it names each of the
// listing's photos once, so a client that missed a photo added or removed
// meanwhile is told rather than obeyed.
func PhotoIDs(ids []int64) PhotoOrder {
	return func([]int64) ([]int64, error) { return ids, nil }
}

// PhotoToCover makes photo the listing's first, its cover, the others
// keeping their order; a photo that is the cover already stays so.
func PhotoToCover(photo int64) PhotoOrder {
	return movePhoto(photo, func(int) int { return 0 })
}

// PhotoEarlier swaps photo with the one before it: ErrPhotoAtEnd for the
// first.
func PhotoEarlier(photo int64) PhotoOrder {
	return movePhoto(photo, func(at int) int { return at - 1 })
}

// PhotoLater swaps photo with the one after it: ErrPhotoAtEnd for the last.
func PhotoLater(photo int64) PhotoOrder {
	return movePhoto(photo, func(at int) int { return at + 1 })
}

// movePhoto moves photo from its index to the one to gives, shifting those
// between: ErrPhotoNotFound when the listing has no such photo.
func movePhoto(photo int64, to func(at int) int) PhotoOrder {
	return func(now []int64) ([]int64, error) {
		at := slices.Index(now, photo)
		if at < 0 {
			return nil, ErrPhotoNotFound
		}
		dst := to(at)
		switch {
		case dst < 0:
			return nil, ErrPhotoAtEnd.WithMessage("the photo is first already, so it cannot move earlier")
		case dst >= len(now):
			return nil, ErrPhotoAtEnd.WithMessage("the photo is last already, so it cannot move later")
		}
		ids := slices.Delete(slices.Clone(now), at, at+1)
		return slices.Insert(ids, dst, photo), nil
	}
}

// ReorderPhotos puts the photos of u's listing id in the order order makes
// of theirs, and returns them in their order before and after. It locks
// the listing, as adding and removing a photo do, so that two reorders, or
// a reorder and an upload, run one after the other, and numbers the photos
// 1, 2, 3… afresh: whatever races, their positions stay a permutation. Only
// the seller may (anyone else gets catalog.ErrNotFound), and not once the
// listing is archived (ErrArchived).
func (s *Service) ReorderPhotos(ctx context.Context, u auth.User, id catalog.BookID, order PhotoOrder) (before, after []Photo, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.owned(ctx, tx, u, id); err != nil {
			return err
		}
		rows, err := s.q.BookPhotos(ctx, tx, []int64{int64(id)})
		if err != nil {
			return err
		}
		byID := make(map[int64]Photo, len(rows))
		now := make([]int64, len(rows))
		for i, p := range rows {
			ph := toPhoto(p)
			before = append(before, ph)
			byID[p.ID], now[i] = ph, p.ID
		}
		ids, err := order(now)
		if err != nil {
			return err
		}
		if err := samePhotos(now, ids); err != nil {
			return err
		}
		n, err := s.q.SetPhotoPositions(ctx, tx, dbsqlc.SetPhotoPositionsParams{BookID: int64(id), Ids: ids})
		if err != nil {
			return err
		}
		if n != int64(len(ids)) {
			return fmt.Errorf("numbered %d of %d photos", n, len(ids))
		}
		after = make([]Photo, len(ids))
		for i, pid := range ids {
			after[i] = byID[pid]
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reorder photos of listing %d: %w", id, err)
	}
	return before, after, nil
}

// samePhotos refuses an order that is not the listing's photos, each once:
// ErrPhotoOrder, saying which ids it leaves out, repeats or adds.
func samePhotos(now, ids []int64) error {
	var problems []string
	if len(ids) > MaxPhotos {
		// Its ids are not gone through: the list may be as long as the
		// body allows.
		problems = append(problems, fmt.Sprintf("names %d, and a listing has at most %d", len(ids), MaxPhotos))
	} else {
		seen := make(map[int64]int, len(ids))
		for _, pid := range ids {
			seen[pid]++
			switch {
			case seen[pid] == 2:
				problems = append(problems, fmt.Sprintf("names photo %d more than once", pid))
			case seen[pid] == 1 && !slices.Contains(now, pid):
				problems = append(problems, fmt.Sprintf("names photo %d, which is not one of them", pid))
			}
		}
		for _, pid := range now {
			if seen[pid] == 0 {
				problems = append(problems, fmt.Sprintf("leaves out photo %d", pid))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	msg := fmt.Sprintf("must name each of the listing's %d %s once, the cover first: it %s",
		len(now), text.Plural(len(now), "photo", "photos"), strings.Join(problems, "; "))
	return ErrPhotoOrder.WithMessage("photo_ids " + msg).WithFields(map[string]string{"photo_ids": msg})
}

// deletePhotoFiles removes both files of the photo key, whose row is gone
// or was never written. A file the store fails to remove is no longer
// served (OpenPhoto) and goes with the next SweepPhotoFiles.
func (s *Service) deletePhotoFiles(ctx context.Context, key string) {
	for _, suffix := range []string{largeSuffix, thumbSuffix} {
		if err := s.opts.Photos.Delete(ctx, key+"-"+suffix); err != nil {
			s.opts.Log.Warn("delete photo file; the sweep of photo files removes it later", "key", key, "err", err)
		}
	}
}

// PhotoFileGrace is how old a stored file must be before SweepPhotoFiles
// may take it for one no row names: a photo's files are stored before the
// row that names them commits, seconds later, never this much.
const PhotoFileGrace = time.Hour

// SweepPhotoFiles removes the stored photo files older than PhotoFileGrace
// that no photo of a listing and no staged photo names: those whose
// removal failed when their row was deleted, and those a crash left
// between storing them and committing their row. Age is judged by the
// store's clock, which stamped the files. It returns how many files it
// removed; running it twice removes nothing twice.
func (s *Service) SweepPhotoFiles(ctx context.Context) (int, error) {
	before := s.opts.NowFunc().Add(-PhotoFileGrace)
	removed := 0
	var files []string
	sweep := func() error {
		keys := make([]string, 0, len(files))
		for _, f := range files {
			if k, _ := photoOfFile(f); !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		unnamed, err := s.q.UnnamedPhotoKeys(ctx, s.pool, keys)
		if err != nil {
			return err
		}
		gone := make(map[string]bool, len(unnamed))
		for _, k := range unnamed {
			gone[k] = true
		}
		for _, f := range files {
			if k, _ := photoOfFile(f); !gone[k] {
				continue
			}
			if err := s.opts.Photos.Delete(ctx, f); err != nil {
				return err
			}
			removed++
		}
		files = files[:0]
		return nil
	}
	err := s.opts.Photos.Walk(ctx, func(f photos.File) error {
		if _, ok := photoOfFile(f.Key); !ok || !f.Modified.Before(before) {
			return nil
		}
		files = append(files, f.Key)
		if len(files) < sweepBatch {
			return nil
		}
		return sweep()
	})
	if err == nil && len(files) > 0 {
		err = sweep()
	}
	if err != nil {
		return removed, fmt.Errorf("sweep photo files: %w", err)
	}
	return removed, nil
}

// photoDirPrefix starts the folder of a listing's photo files, which the
// listing's id ends ("b12/3fa9c0-1200.jpg"), so that the files of one
// listing sit together.
const photoDirPrefix = "b"

// OpenPhoto opens the stored file key (as a Photo's URL names it after
// /photos/) for the user ctx signed in, or a visitor. A photo is served
// only while its row exists: a file whose removal failed when its photo or
// listing was deleted stays unreachable until the sweep removes it
// (SweepPhotoFiles). It is shown to whoever may see its listing
// (ListingFor's rule), so hiding a listing, a draft or a disabled seller
// keeps its photos from everyone but its seller and the admins:
// ErrPhotoWithdrawn (ErrPhotoNotFound for a key that names no photo).
// Public says whether everyone may see it, and so whether a shared cache
// may keep it. It costs one lookup of the photo by its key, joined to its
// listing by its primary key.
func (s *Service) OpenPhoto(ctx context.Context, key string) (f io.ReadSeekCloser, public bool, err error) {
	photo, ok := photoOfFile(key)
	if !ok || !strings.HasPrefix(key, photoDirPrefix) || !photos.ValidKey(key) {
		return nil, false, ErrPhotoNotFound
	}
	row, err := s.q.PhotoBook(ctx, s.pool, photo)
	if isNoRows(err) {
		return nil, false, ErrPhotoNotFound
	}
	if err != nil {
		return nil, false, fmt.Errorf("photo %s: %w", key, err)
	}
	b := bookOf(dbsqlc.BooksByIDsRow(row))
	if !visibleIn(ctx, b) {
		return nil, false, ErrPhotoWithdrawn
	}
	f, err = s.opts.Photos.Open(ctx, key)
	if errors.Is(err, photos.ErrNotFound) {
		return nil, false, ErrPhotoNotFound
	}
	if err != nil {
		return nil, false, fmt.Errorf("photo %s: %w", key, err)
	}
	return f, b.Public(), nil
}

// photoOfFile is the key of the photo (as its row holds it) whose file is
// file, one of its two sizes.
func photoOfFile(file string) (string, bool) {
	for _, suffix := range []string{largeSuffix, thumbSuffix} {
		if photo, ok := strings.CutSuffix(file, "-"+suffix); ok {
			return photo, true
		}
	}
	return "", false
}

// DefaultPhotoDecodes is how many photos are processed at once unless
// Options say otherwise: as many as a quarter of the process's memory
// limit holds at PhotoBytes each, and no more than the CPUs. Under the
// manifests' 512 MiB limit that is one.
func DefaultPhotoDecodes() int { return machine.Slots(PhotoBytes, photoMemoryShare) }

// processPhoto validates and re-encodes one upload. It waits for one of
// the decode slots (Options.PhotoDecodes), so however many uploads arrive
// at once, photo processing holds at most PhotoDecodes × PhotoBytes.
func (s *Service) processPhoto(ctx context.Context, data []byte) (large, thumb []byte, w, h int, err error) {
	if len(data) > MaxPhotoBytes {
		return nil, nil, 0, 0, ErrPhotoTooLarge
	}
	switch http.DetectContentType(data) {
	case "image/jpeg", "image/png", "image/webp":
	default:
		return nil, nil, 0, 0, ErrPhotoType
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width < 1 || cfg.Height < 1 {
		return nil, nil, 0, 0, ErrPhotoType
	}
	if cost := decodeCost(data, cfg, format); cost > MaxDecodeBytes {
		return nil, nil, 0, 0, ErrPhotoPixels.WithMessage(fmt.Sprintf("the photo has too many pixels to process: its %d×%d pixels would take %d MB of memory to decode, and a photo may take %d MB", cfg.Width, cfg.Height, cost>>20, MaxDecodeBytes>>20))
	}
	select {
	case s.decodes <- struct{}{}:
		defer func() { <-s.decodes }()
	case <-ctx.Done():
		return nil, nil, 0, 0, ctx.Err()
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

// decodeCost is, in bytes, what the standard decoders allocate to decode
// the image whose header cfg describes: its pixels in the decoder's own
// layout and the buffers it decodes through. It errs high, never low
// (TestDecodeCost measures the real decoders against it).
func decodeCost(data []byte, cfg image.Config, format string) int64 {
	const decoder = 128 << 10 // tables, row and zlib buffers of any decoder
	w, h := int64(cfg.Width), int64(cfg.Height)
	px := w * h
	return decoder + pixelCost(data, cfg, format, px)
}

func pixelCost(data []byte, cfg image.Config, format string, px int64) int64 {
	w := int64(cfg.Width)
	switch format {
	case "png":
		cost := px*pngBytesPerPixel(cfg.ColorModel) + 2*(w*8+1)
		// An interlaced image is decoded pass by pass into images of its
		// own, then copied into the whole.
		if len(data) > 28 && data[28] == 1 {
			cost *= 2
		}
		return cost
	case "jpeg":
		samples, progressive, ok := jpegSamples(data)
		if !ok {
			// The decoder found a frame header this reading missed: assume
			// the worst, four full-size components.
			samples, progressive = 4*(px+16*w+256), true
		}
		cost := samples
		if progressive {
			// Every coefficient of every block is kept as an int32 between scans.
			cost += 4 * samples
		}
		if cfg.ColorModel != color.YCbCrModel && cfg.ColorModel != color.GrayModel {
			// RGB and CMYK JPEGs are converted into a 4-byte image at the end.
			cost += 4 * px
		}
		return cost
	case "webp":
		switch cfg.ColorModel {
		case color.YCbCrModel:
			return 2 * px
		case color.NYCbCrAModel:
			// Lossy colour with lossless alpha: the alpha is decoded as a
			// whole lossless image first.
			return 11 * px
		default:
			// Lossless: the pixels and a transformed copy.
			return 8 * px
		}
	}
	// No other format gets past processPhoto's content check; were one
	// added, assume the worst of the formats above.
	return 24 * px
}

func pngBytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// jpegSamples reads a JPEG's frame header: the samples its components hold
// once padded to whole blocks (what the decoder allocates for them) and
// whether the image is progressive. ok is false when there is no frame
// header to read.
func jpegSamples(data []byte) (samples int64, progressive, ok bool) {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			i++ // stray bytes between segments, which the decoder skips too
			continue
		}
		marker := data[i+1]
		if marker == 0xFF {
			i++
			continue
		}
		if marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8) {
			i += 2
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 {
			return 0, false, false
		}
		seg := data[i+4 : min(len(data), i+2+n)]
		if marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
			if len(seg) < 6 {
				return 0, false, false
			}
			height, width, comps := int64(seg[1])<<8|int64(seg[2]), int64(seg[3])<<8|int64(seg[4]), int(seg[5])
			if len(seg) < 6+3*comps || comps == 0 {
				return 0, false, false
			}
			hmax, vmax := int64(1), int64(1)
			for c := range comps {
				hv := seg[6+3*c+1]
				hmax, vmax = max(hmax, int64(hv>>4)), max(vmax, int64(hv&0x0F))
			}
			mcuX, mcuY := (width+8*hmax-1)/(8*hmax), (height+8*vmax-1)/(8*vmax)
			for c := range comps {
				hv := seg[6+3*c+1]
				samples += mcuX * mcuY * int64(hv>>4) * int64(hv&0x0F) * 64
			}
			return samples, marker == 0xC2, true
		}
		if marker == 0xDA {
			return 0, false, false
		}
		i += 2 + n
	}
	return 0, false, false
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
