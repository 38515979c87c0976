package service_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
)

// uploads is photos as a form sends them, by name, in order.
func uploads(files ...any) []service.Upload {
	out := make([]service.Upload, 0, len(files)/2)
	for i := 0; i+1 < len(files); i += 2 {
		data := files[i+1].([]byte)
		out = append(out, service.Upload{Name: files[i].(string), Read: func() ([]byte, error) { return data, nil }})
	}
	return out
}

// refusedNames is the names of refused, in order.
func refusedNames(refused []service.Refusal) []string {
	out := make([]string, len(refused))
	for i, f := range refused {
		out[i] = f.Name
	}
	return out
}

// A photo refused does not stop the ones after it: every acceptable photo
// is added and each refused one named, the photo limit still holding.
func TestService_AddPhotos(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	l, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)

	added, refused, err := b.svc.AddPhotos(ctx, b.seller, l.ID, uploads(
		"a.png", catalogtest.PNG(20, 30), "fake.jpg", []byte("not an image"), "b.jpg", catalogtest.JPEG(31, 40)))
	require.NoError(t, err)
	require.Len(t, added, 2)
	require.Equal(t, 31, added[1].Width, "b.jpg, after the refused one, is added")
	require.Equal(t, []string{"fake.jpg"}, refusedNames(refused))
	require.ErrorContains(t, refused[0].Err, service.ErrPhotoType.Message)

	added, refused, err = b.svc.AddPhotos(ctx, b.seller, l.ID, uploads(
		"c.jpg", catalogtest.JPEG(10, 10), "d.jpg", catalogtest.JPEG(10, 10), "e.jpg", catalogtest.JPEG(10, 10),
		"f.jpg", catalogtest.JPEG(10, 10), "g.jpg", catalogtest.JPEG(10, 10), "h.jpg", catalogtest.JPEG(10, 10)))
	require.NoError(t, err)
	require.Len(t, added, service.MaxPhotos-2)
	require.Equal(t, []string{"g.jpg", "h.jpg"}, refusedNames(refused), "the photos past the limit, by name")
	require.ErrorContains(t, refused[1].Err, service.ErrPhotoCount.Message)

	_, _, err = b.svc.AddPhotos(ctx, b.other, l.ID, uploads("x.jpg", catalogtest.JPEG(10, 10)))
	require.ErrorIs(t, err, catalog.ErrNotFound, "not a photo's fault: the whole upload is refused")

	// Phones name every photo image.jpg: a refused one whose name another
	// file sent shares carries its place among them, one whose name is its
	// own does not.
	second, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	_, refused, err = b.svc.AddPhotos(ctx, b.seller, second.ID, uploads(
		"image.jpg", catalogtest.JPEG(30, 40), "image.jpg", []byte("not an image"), "notes.jpg", []byte("nor this")))
	require.NoError(t, err)
	require.Equal(t, []service.Refusal{{Name: "image.jpg", N: 2, Err: refused[0].Err}, {Name: "notes.jpg", Err: refused[1].Err}}, refused)
}

// The photos of a new-listing form that comes back are kept for their
// owner, shown to no one else, and attached, in order and once, when the
// form is sent again; a token not the seller's is ignored.
func TestService_StagePhotos(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	stage := func(keep, drop []string, ups []service.Upload) ([]service.StagedPhoto, []service.Refusal) {
		t.Helper()
		staged, _, refused, err := b.svc.StagePhotos(ctx, b.seller, keep, drop, ups)
		require.NoError(t, err)
		return staged, refused
	}
	tokens := func(staged []service.StagedPhoto) []string {
		out := make([]string, len(staged))
		for i, s := range staged {
			out[i] = s.Token
		}
		return out
	}

	t.Run("KeepsAcceptablePhotos", func(t *testing.T) {
		staged, refused := stage(nil, nil, uploads("a.jpg", catalogtest.JPEG(30, 40), "fake.jpg", []byte("notes"), "b.png", catalogtest.PNG(20, 20)))
		require.Len(t, staged, 2)
		require.Equal(t, "a.jpg", staged[0].Name)
		require.Equal(t, "b.png", staged[1].Name)
		require.Len(t, staged[0].Token, 32, "128 random bits")
		require.Equal(t, []string{"fake.jpg"}, refusedNames(refused))
		require.ErrorContains(t, refused[0].Err, service.ErrPhotoType.Message)

		f, err := b.svc.OpenStagedPhoto(ctx, b.seller, staged[0].Token)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		_, err = b.svc.OpenStagedPhoto(ctx, b.other, staged[0].Token)
		require.ErrorIs(t, err, service.ErrPhotoNotFound, "only its owner sees it")

		again, refused := stage(append(tokens(staged), "forged0123456789abcdef0123456789", staged[0].Token), nil, uploads("c.jpg", catalogtest.JPEG(10, 10)))
		require.Empty(t, refused)
		require.Equal(t, []string{"a.jpg", "b.png", "c.jpg"}, []string{again[0].Name, again[1].Name, again[2].Name})
		require.Len(t, again, 3, "a forged token is ignored, a repeated one counted once")

		otherStaged, _, _, err := b.svc.StagePhotos(ctx, b.other, tokens(staged), nil, nil)
		require.NoError(t, err)
		require.Empty(t, otherStaged, "another's tokens keep nothing")
	})
	t.Run("Drops", func(t *testing.T) {
		staged, _ := stage(nil, nil, uploads("a.jpg", catalogtest.JPEG(30, 40), "b.jpg", catalogtest.JPEG(30, 40)))
		files := b.photos.Len()
		kept, _ := stage(tokens(staged), []string{staged[0].Token}, nil)
		require.Equal(t, []string{staged[1].Token}, tokens(kept))
		require.Equal(t, files-2, b.photos.Len(), "the dropped photo's two files are removed")
		_, err := b.svc.OpenStagedPhoto(ctx, b.seller, staged[0].Token)
		require.ErrorIs(t, err, service.ErrPhotoNotFound)
	})
	t.Run("AtMostTheLimit", func(t *testing.T) {
		var ups []service.Upload
		for range service.MaxPhotos + 1 {
			ups = append(ups, uploads("p.jpg", catalogtest.JPEG(10, 10))...)
		}
		ups[service.MaxPhotos].Name = "last.jpg"
		staged, refused := stage(nil, nil, ups)
		require.Len(t, staged, service.MaxPhotos)
		require.Equal(t, []string{"last.jpg"}, refusedNames(refused))
		require.ErrorContains(t, refused[0].Err, service.ErrPhotoCount.Message)
	})
	t.Run("NumbersRefusedOfOneName", func(t *testing.T) {
		_, refused := stage(nil, nil, uploads("image.jpg", []byte("no"), "image.jpg", catalogtest.JPEG(30, 40)))
		require.Len(t, refused, 1)
		require.Equal(t, 1, refused[0].N)
	})
	t.Run("AttachesInOrderOnce", func(t *testing.T) {
		staged, _ := stage(nil, nil, uploads("a.jpg", catalogtest.JPEG(41, 50), "b.jpg", catalogtest.JPEG(42, 50)))
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		added, _, refused, err := b.svc.AttachPhotos(ctx, b.seller, l.ID, tokens(staged), nil, uploads("c.jpg", catalogtest.JPEG(43, 50)))
		require.NoError(t, err)
		require.Empty(t, refused)
		got, err := b.svc.Listing(ctx, l.ID)
		require.NoError(t, err)
		require.Len(t, added, 3)
		require.Equal(t, []int{41, 42, 43}, []int{got.Photos[0].Width, got.Photos[1].Width, got.Photos[2].Width}, "the kept photos first, in order")
		f, _, err := b.svc.OpenPhoto(ctx, got.Photos[0].URL("large")[len("/photos/"):])
		require.NoError(t, err, "the photo is the listing's, where every listing's photos are")
		require.NoError(t, f.Close())
		_, err = b.svc.OpenStagedPhoto(ctx, b.seller, staged[0].Token)
		require.ErrorIs(t, err, service.ErrPhotoNotFound, "no longer staged")

		second, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		added, _, refused, err = b.svc.AttachPhotos(ctx, b.seller, second.ID, tokens(staged), nil, nil)
		require.NoError(t, err)
		require.Empty(t, added, "a used token attaches nothing")
		require.Empty(t, refused)
	})
	t.Run("IgnoresAnothersToken", func(t *testing.T) {
		staged, _ := stage(nil, nil, uploads("mine.jpg", catalogtest.JPEG(30, 40)))
		theirs, err := b.svc.Create(ctx, b.other, validInput())
		require.NoError(t, err)
		added, _, refused, err := b.svc.AttachPhotos(ctx, b.other, theirs.ID, append(tokens(staged), "forged0123456789abcdef0123456789"), tokens(staged), nil)
		require.NoError(t, err)
		require.Empty(t, added, "never someone else's photo, nor a forged one")
		require.Empty(t, refused)
		kept, _ := stage(tokens(staged), nil, nil)
		require.Equal(t, tokens(staged), tokens(kept), "nor can another drop it")
	})
}

// Staged photos whose form never came back are removed after a day, with
// their files, by the sweep.
func TestService_SweepStagedPhotos(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	staged, _, _, err := b.svc.StagePhotos(ctx, b.seller, nil, nil, uploads("old.jpg", catalogtest.JPEG(30, 40), "new.jpg", catalogtest.JPEG(30, 40)))
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, `UPDATE catalog.staged_photos SET created_at = now() - interval '25 hours' WHERE token = $1`, staged[0].Token)
	require.NoError(t, err)
	files := b.photos.Len()

	n, err := b.svc.SweepStagedPhotos(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, files-2, b.photos.Len(), "its two files go too")
	n, err = b.svc.SweepStagedPhotos(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	kept, _, _, err := b.svc.StagePhotos(ctx, b.seller, []string{staged[0].Token, staged[1].Token}, nil, nil)
	require.NoError(t, err)
	require.Len(t, kept, 1)
	require.Equal(t, "new.jpg", kept[0].Name, "a photo of today stays")
}

// A seller keeps at most four forms' worth of staged photos: each new
// upload removes the oldest past that, never one of the form being shown,
// and their files with them.
func TestService_StagedPhotosPerSeller(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	form := func(keep []string, n int) []string {
		t.Helper()
		ups := make([]any, 0, 2*n)
		for i := range n {
			ups = append(ups, fmt.Sprintf("p%d.jpg", i), catalogtest.JPEG(10+i, 10))
		}
		staged, _, refused, err := b.svc.StagePhotos(ctx, b.seller, keep, nil, uploads(ups...))
		require.NoError(t, err)
		require.Empty(t, refused)
		out := make([]string, len(staged))
		for i, p := range staged {
			out[i] = p.Token
		}
		return out
	}
	held := func(tokens []string) (n int) {
		t.Helper()
		for _, tok := range tokens {
			f, err := b.svc.OpenStagedPhoto(ctx, b.seller, tok)
			if errors.Is(err, service.ErrPhotoNotFound) {
				continue
			}
			require.NoError(t, err)
			require.NoError(t, f.Close())
			n++
		}
		return n
	}
	count := func() (n int) {
		t.Helper()
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT count(*) FROM catalog.staged_photos WHERE user_id = $1`, b.seller.ID).Scan(&n))
		return n
	}

	forms := make([][]string, 5)
	for i := range forms {
		forms[i] = form(nil, service.MaxPhotos)
	}
	require.Equal(t, 4*service.MaxPhotos, count())
	require.Zero(t, held(forms[0]), "the oldest form's photos, rows and files, make room")
	for i, f := range forms[1:] {
		require.Equal(t, service.MaxPhotos, held(f), "form %d", i+1)
	}

	kept := form(forms[1][:3], 3)
	require.Equal(t, forms[1][:3], kept[:3], "the form shown keeps its photos, the oldest")
	require.Equal(t, service.MaxPhotos, held(kept))
	require.Equal(t, 3, held(forms[1][3:]), "within the newest, not removed")
	require.Equal(t, 4*service.MaxPhotos+3, count(), "the form shown is never trimmed, even past the cap")
}

// A form's kept photos that are no longer kept (attached from another tab,
// swept, trimmed) are counted, so the seller is told; a forged token or
// another's counts the same, telling nothing of another's photos, and a
// photo the form drops is not one it lost.
func TestService_StagedPhotosGone(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	staged, _, _, err := b.svc.StagePhotos(ctx, b.seller, nil, nil, uploads(
		"a.jpg", catalogtest.JPEG(30, 40), "b.jpg", catalogtest.JPEG(31, 40), "c.jpg", catalogtest.JPEG(32, 40), "d.jpg", catalogtest.JPEG(33, 40)))
	require.NoError(t, err)
	require.Len(t, staged, 4)
	theirs, _, _, err := b.svc.StagePhotos(ctx, b.other, nil, nil, uploads("theirs.jpg", catalogtest.JPEG(30, 40)))
	require.NoError(t, err)
	_, err = b.pool.Exec(ctx, `DELETE FROM catalog.staged_photos WHERE token = $1`, staged[0].Token)
	require.NoError(t, err)
	form := []string{staged[0].Token, staged[1].Token, staged[2].Token, staged[3].Token, "forged0123456789abcdef0123456789", theirs[0].Token}

	kept, gone, _, err := b.svc.StagePhotos(ctx, b.seller, form, []string{staged[1].Token}, nil)
	require.NoError(t, err)
	require.Len(t, kept, 2)
	require.Equal(t, 3, gone, "the removed one, the forged one and another's; not the dropped one")

	// Another tab lists the same photos first.
	l, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	added, gone, _, err := b.svc.AttachPhotos(ctx, b.seller, l.ID, []string{staged[2].Token}, nil, nil)
	require.NoError(t, err)
	require.Len(t, added, 1)
	require.Zero(t, gone)
	second, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	added, gone, _, err = b.svc.AttachPhotos(ctx, b.seller, second.ID, form, []string{staged[3].Token}, nil)
	require.NoError(t, err)
	require.Empty(t, added)
	require.Equal(t, 5, gone, "a.jpg removed, b.jpg dropped before, c.jpg used, the forged and another's; not d.jpg, dropped now")
}
