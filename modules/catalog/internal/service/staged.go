package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/catalog/internal/photos"
	"github.com/bookstore/bookstore/platform/random"
	"github.com/bookstore/bookstore/platform/text"
)

// StagedPhotoTTL is how long a photo kept for a form that came back waits
// for the form to be sent again before SweepStagedPhotos removes it.
const StagedPhotoTTL = 24 * time.Hour

// stagedDirPrefix starts the folder of a seller's staged photo files
// ("s11/3fa9c0-320.jpg"): not photoDirPrefix, so OpenPhoto, which serves
// listings' photos to everyone, never serves one.
const stagedDirPrefix = "s"

// maxStagedName bounds the file name kept to show beside a staged photo.
const maxStagedName = 120

// maxStagedPerUser bounds the photos kept for one seller's forms at once:
// a seller who leaves forms unsent, or a script that sends bad ones, keeps
// only the newest, never those of the form being shown, rather than fill
// the photo store until the sweep.
const maxStagedPerUser = 4 * MaxPhotos

// sweepBatch is how many staged photos one statement of the sweep removes,
// so a backlog never holds one long transaction.
const sweepBatch = 500

// errNotStaged is a token that is not its user's staged photo (forged,
// another's, used already, or swept): the photo is ignored, never attached.
var errNotStaged = errors.New("no such staged photo")

// StagedPhoto is a photo sent with a new-listing form that came back,
// kept (checked and re-encoded) so the seller need not choose it again.
// Token, which the form carries, is unguessable and works only for the
// seller who sent the photo, once.
type StagedPhoto struct {
	Token  string
	Name   string
	Width  int
	Height int
}

// StagePhotos keeps the photos of u's new-listing form as it comes back:
// the staged photos the form carries (keep, in its order) less those in
// drop, which are removed, then each of uploads that is an acceptable
// photo, while the form holds fewer than MaxPhotos. It returns the form's
// staged photos; gone, how many of keep are no longer kept (attached from
// another tab, swept, trimmed past the per-seller cap), so the seller is
// told rather than find them missing, a token not u's counting the same so
// that nothing is told of another's photos; and the uploads refused, each
// with its reason (not an image, too large, no room). err is a failure.
func (s *Service) StagePhotos(ctx context.Context, u auth.User, keep, drop []string, uploads []Upload) (kept []StagedPhoto, gone int, refused []Refusal, err error) {
	if u.ID == 0 || u.Disabled {
		return nil, 0, nil, auth.ErrUnauthenticated
	}
	if err := s.dropStaged(ctx, u, drop); err != nil {
		return nil, 0, nil, fmt.Errorf("stage photos: %w", err)
	}
	kept, gone, err = s.stagedPhotos(ctx, u, formTokens(keep, drop))
	if err != nil {
		return nil, 0, nil, fmt.Errorf("stage photos: %w", err)
	}
	refused, err = eachUpload(uploads, func() bool { return len(kept) < MaxPhotos }, func(name string, data []byte) error {
		p, err := s.stagePhoto(ctx, u, name, data)
		if err == nil {
			kept = append(kept, p)
		}
		return err
	})
	if err != nil {
		return kept, gone, refused, fmt.Errorf("stage photos: %w", err)
	}
	if len(uploads) > 0 {
		if err := s.trimStaged(ctx, u, kept); err != nil {
			return kept, gone, refused, fmt.Errorf("stage photos: %w", err)
		}
	}
	return kept, gone, refused, nil
}

// trimStaged keeps u's newest maxStagedPerUser staged photos, and always
// those of the form being shown (kept), removing the others and their files.
func (s *Service) trimStaged(ctx context.Context, u auth.User, kept []StagedPhoto) error {
	keep := make([]string, len(kept))
	for i, p := range kept {
		keep[i] = p.Token
	}
	keys, err := s.q.TrimStagedPhotos(ctx, s.pool, dbsqlc.TrimStagedPhotosParams{UserID: int64(u.ID), Keep: keep, MaxRows: maxStagedPerUser})
	if err != nil {
		return err
	}
	for _, k := range keys {
		s.deletePhotoFiles(ctx, k)
	}
	return nil
}

// stagedPhotos returns u's staged photos of tokens (formTokens), in their
// order, and how many of tokens name none.
func (s *Service) stagedPhotos(ctx context.Context, u auth.User, tokens []string) ([]StagedPhoto, int, error) {
	if len(tokens) == 0 {
		return nil, 0, nil
	}
	rows, err := s.q.StagedPhotos(ctx, s.pool, dbsqlc.StagedPhotosParams{UserID: int64(u.ID), Tokens: tokens})
	if err != nil {
		return nil, 0, err
	}
	out := make([]StagedPhoto, 0, len(rows))
	for _, t := range tokens {
		i := slices.IndexFunc(rows, func(r dbsqlc.CatalogStagedPhoto) bool { return r.Token == t })
		if i >= 0 {
			r := rows[i]
			out = append(out, StagedPhoto{Token: r.Token, Name: r.Filename, Width: int(r.Width), Height: int(r.Height)})
		}
	}
	return out, len(tokens) - len(out), nil
}

// formTokens is the staged photos a form sends to keep, less those it
// drops: a dropped photo is removed first, and must not then count as one
// the form lost.
func formTokens(keep, drop []string) []string {
	drop = stagedTokens(drop)
	return stagedTokens(slices.DeleteFunc(slices.Clone(keep), func(t string) bool { return slices.Contains(drop, t) }))
}

// stagedTokens is tokens once each, at most MaxPhotos of them: a form holds
// no more, and a forged one costs no more to look up.
func stagedTokens(tokens []string) []string {
	out := make([]string, 0, min(len(tokens), MaxPhotos))
	for _, t := range tokens {
		if len(out) == MaxPhotos {
			break
		}
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// stagePhoto checks and stores one photo for u's form, as AddPhoto does.
func (s *Service) stagePhoto(ctx context.Context, u auth.User, name string, data []byte) (StagedPhoto, error) {
	large, thumb, w, h, err := s.processPhoto(ctx, data)
	if err != nil {
		return StagedPhoto{}, err
	}
	key := fmt.Sprintf("%s%d/%s", stagedDirPrefix, u.ID, random.Hex(12))
	if err := s.putPhotoFiles(ctx, key, large, thumb); err != nil {
		return StagedPhoto{}, err
	}
	row, err := s.q.StagePhoto(ctx, s.pool, dbsqlc.StagePhotoParams{
		Token: random.Hex(16), UserID: int64(u.ID), Key: key, Filename: stagedName(name), Width: int32(w), Height: int32(h),
	})
	if err != nil {
		s.deletePhotoFiles(ctx, key)
		return StagedPhoto{}, err
	}
	return StagedPhoto{Token: row.Token, Name: row.Filename, Width: w, Height: h}, nil
}

// stagedName is the file name as the browser sent it, cleaned and
// bounded: it is shown on the form again, never used as a path.
func stagedName(name string) string {
	name = text.Clean(name)
	for utf8.RuneCountInString(name) > maxStagedName {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if name == "" {
		return "photo"
	}
	return name
}

// dropStaged removes u's staged photos of tokens, the ones the seller
// unticked on the form.
func (s *Service) dropStaged(ctx context.Context, u auth.User, tokens []string) error {
	tokens = stagedTokens(tokens)
	if len(tokens) == 0 {
		return nil
	}
	keys, err := s.q.DropStagedPhotos(ctx, s.pool, dbsqlc.DropStagedPhotosParams{UserID: int64(u.ID), Tokens: tokens})
	if err != nil {
		return err
	}
	for _, k := range keys {
		s.deletePhotoFiles(ctx, k)
	}
	return nil
}

// AttachPhotos adds the photos of u's new-listing form to its listing id:
// first its staged photos (tokens, in order), then uploads, each as
// AddPhotos does. A staged photo attached is no longer staged, so its
// token works once; one refused (no room left) stays staged until swept.
// gone counts the tokens that attach nothing because they are no longer
// kept (used by another tab, swept, trimmed) or were never u's, so no form
// attaches another's photo or learns of it. The staged photos in drop are
// removed.
func (s *Service) AttachPhotos(ctx context.Context, u auth.User, id catalog.BookID, tokens, drop []string, uploads []Upload) (added []Photo, gone int, refused []Refusal, err error) {
	if err := s.dropStaged(ctx, u, drop); err != nil {
		return nil, 0, nil, fmt.Errorf("attach photos to listing %d: %w", id, err)
	}
	for _, t := range formTokens(tokens, drop) {
		p, name, err := s.attachStaged(ctx, u, id, t)
		switch {
		case err == nil:
			added = append(added, p)
		case errors.Is(err, errNotStaged):
			gone++
		case RefusesPhoto(err):
			refused = append(refused, Refusal{Name: name, Err: err})
		default:
			return added, gone, refused, err
		}
	}
	more, moreRefused, err := s.AddPhotos(ctx, u, id, uploads)
	return append(added, more...), gone, append(refused, moreRefused...), err
}

// attachStaged moves u's staged photo token to listing id: its files are
// copied to the listing's folder, where no one but u sees staged files,
// and the staged row goes in the transaction that adds the photo, so two
// forms sent at once attach it once. It returns the photo's file name for
// a refusal.
func (s *Service) attachStaged(ctx context.Context, u auth.User, id catalog.BookID, token string) (Photo, string, error) {
	var p Photo
	var name, staged string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		row, err := s.q.TakeStagedPhoto(ctx, tx, dbsqlc.TakeStagedPhotoParams{UserID: int64(u.ID), Token: token})
		if isNoRows(err) {
			return errNotStaged
		}
		if err != nil {
			return err
		}
		name, staged = row.Filename, row.Key
		if err := s.roomForPhoto(ctx, tx, u, id); err != nil {
			return err
		}
		key := fmt.Sprintf("%s%d/%s", photoDirPrefix, id, random.Hex(12))
		if err := s.copyPhotoFiles(ctx, row.Key, key); err != nil {
			return err
		}
		p, err = s.insertPhoto(ctx, tx, id, key, row.Width, row.Height)
		return err
	})
	if err != nil {
		return Photo{}, name, fmt.Errorf("attach staged photo to listing %d: %w", id, err)
	}
	s.deletePhotoFiles(ctx, staged)
	return p, name, nil
}

// copyPhotoFiles copies both files of the photo from to the key to, or
// neither. Files gone (the sweep removed them meanwhile) make the photo
// not staged.
func (s *Service) copyPhotoFiles(ctx context.Context, from, to string) error {
	var files [2][]byte
	for i, suffix := range []string{largeSuffix, thumbSuffix} {
		f, err := s.opts.Photos.Open(ctx, from+"-"+suffix)
		if errors.Is(err, photos.ErrNotFound) {
			return errNotStaged
		}
		if err != nil {
			return err
		}
		files[i], err = io.ReadAll(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return s.putPhotoFiles(ctx, to, files[0], files[1])
}

// OpenStagedPhoto opens the thumbnail of u's staged photo token, for the
// form that shows it: to anyone else, ErrPhotoNotFound, as for a token
// that names nothing.
func (s *Service) OpenStagedPhoto(ctx context.Context, u auth.User, token string) (io.ReadSeekCloser, error) {
	if u.ID == 0 {
		return nil, auth.ErrUnauthenticated
	}
	row, err := s.q.StagedPhoto(ctx, s.pool, dbsqlc.StagedPhotoParams{UserID: int64(u.ID), Token: token})
	if isNoRows(err) {
		return nil, ErrPhotoNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("staged photo: %w", err)
	}
	f, err := s.opts.Photos.Open(ctx, row.Key+"-"+thumbSuffix)
	if errors.Is(err, photos.ErrNotFound) {
		return nil, ErrPhotoNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("staged photo: %w", err)
	}
	return f, nil
}

// SweepStagedPhotos removes the staged photos older than StagedPhotoTTL,
// whose forms were never sent again, and their files. Age is judged by the
// database's clock, which stamped them. It returns how many
// it removed; running it twice removes nothing twice.
func (s *Service) SweepStagedPhotos(ctx context.Context) (int, error) {
	n := 0
	for {
		keys, err := s.q.SweepStagedPhotos(ctx, s.pool, dbsqlc.SweepStagedPhotosParams{AgeSeconds: StagedPhotoTTL.Seconds(), MaxRows: sweepBatch})
		if err != nil {
			return n, fmt.Errorf("sweep staged photos: %w", err)
		}
		for _, k := range keys {
			s.deletePhotoFiles(ctx, k)
		}
		n += len(keys)
		if len(keys) < sweepBatch {
			return n, nil
		}
	}
}
