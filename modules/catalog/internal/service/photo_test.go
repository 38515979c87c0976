package service_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
)

// TestDecodeCost decodes images of every layout the decoders know (the
// layouts of Go's own decoder tests among them: progressive, subsampled,
// CMYK and RGB JPEGs, interlaced and paletted PNGs) and checks that
// decodeCost, which refuses a photo before it is decoded, never says less
// than the decoder allocated. It is not parallel: it counts the bytes the
// whole process allocates.
func TestDecodeCost(t *testing.T) {
	images := map[string][]byte{
		"webp":                   catalogtest.WebP,
		"zero-png-16":            catalogtest.ZeroPNG(700, 500, 16, false),
		"zero-png-8":             catalogtest.ZeroPNG(700, 500, 8, false),
		"zero-png-16-interlaced": catalogtest.ZeroPNG(700, 500, 16, true),
		"zero-png-8-interlaced":  catalogtest.ZeroPNG(701, 503, 8, true),
		"jpeg-ycbcr":             catalogtest.JPEG(700, 500),
	}
	models := map[string]image.Image{
		"gray":    image.NewGray(image.Rect(0, 0, 700, 500)),
		"gray16":  image.NewGray16(image.Rect(0, 0, 700, 500)),
		"rgba":    image.NewRGBA(image.Rect(0, 0, 700, 500)),
		"nrgba":   image.NewNRGBA(image.Rect(0, 0, 700, 500)),
		"rgba64":  image.NewRGBA64(image.Rect(0, 0, 700, 500)),
		"nrgba64": image.NewNRGBA64(image.Rect(0, 0, 700, 500)),
		"palette": image.NewPaletted(image.Rect(0, 0, 700, 500), color.Palette{color.Black, color.White}),
	}
	for name, m := range models {
		for i := range 700 {
			if set, ok := m.(interface{ Set(x, y int, c color.Color) }); ok {
				set.Set(i, i%500, color.NRGBA{R: uint8(i), G: 40, B: 200, A: uint8(i % 256)})
			}
		}
		var p, j bytes.Buffer
		require.NoError(t, png.Encode(&p, m), name)
		images["png-"+name] = p.Bytes()
		require.NoError(t, jpeg.Encode(&j, m, nil), name)
		images["jpeg-"+name] = j.Bytes()
	}
	goroot := filepath.Join(runtime.GOROOT(), "src", "image")
	for _, pattern := range []string{"testdata/*.jpeg", "testdata/*.png", "png/testdata/pngsuite/*.png"} {
		files, err := filepath.Glob(filepath.Join(goroot, pattern))
		require.NoError(t, err)
		require.NotEmpty(t, files, "Go's image test data in %s", goroot)
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			images[filepath.Base(f)] = data
		}
	}
	measured := 0
	for name, data := range images {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			continue // a file the decoders' own tests expect to fail
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err = image.Decode(bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		if err != nil {
			continue
		}
		measured++
		used := int64(after.TotalAlloc - before.TotalAlloc)
		est := service.DecodeCost(data, cfg, format)
		require.LessOrEqual(t, used, est, "%s (%s, %d×%d, %T)", name, format, cfg.Width, cfg.Height, cfg.ColorModel)
	}
	require.Greater(t, measured, 50)
}

// FuzzDecodeCost feeds decodeCost whatever headers the decoders accept:
// it must never panic, and never call an image free.
func FuzzDecodeCost(f *testing.F) {
	for _, seed := range [][]byte{catalogtest.JPEG(20, 10), catalogtest.PNG(5, 5), catalogtest.WebP, catalogtest.ZeroPNG(9, 9, 16, true)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return
		}
		require.Positive(t, service.DecodeCost(data, cfg, format))
	})
}

// A photo is opened for whoever may see its listing (ListingFor's rule), so
// hiding a listing takes its photos offline for everyone but its seller and
// the admins; public says whether any shared cache may keep it.
func TestService_OpenPhoto(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	l, err := b.svc.Create(ctx, b.seller, validInput())
	require.NoError(t, err)
	p, err := b.svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.JPEG(40, 60))
	require.NoError(t, err)
	keys := []string{strings.TrimPrefix(p.URL("large"), "/photos/"), strings.TrimPrefix(p.URL("thumb"), "/photos/")}
	visitor := auth.User{}
	// opens reports whether u (the zero User: a visitor) may open every
	// size of the photo, and whether it is public.
	opens := func(u auth.User) (ok, public bool) {
		t.Helper()
		c := ctx
		if u.ID != 0 {
			c = auth.WithUser(ctx, u)
		}
		for _, key := range keys {
			f, pub, err := b.svc.OpenPhoto(c, key)
			if err != nil {
				require.ErrorIs(t, err, service.ErrPhotoWithdrawn, key)
				require.Equal(t, apperr.NotFound, apperr.KindOf(err), key)
				return false, false
			}
			require.NoError(t, f.Close())
			public = pub
		}
		return true, public
	}
	requireOpens := func(u auth.User, wantOK, wantPublic bool) {
		t.Helper()
		ok, public := opens(u)
		require.Equal(t, wantOK, ok, "user %d opens", u.ID)
		require.Equal(t, wantPublic, public, "user %d: public", u.ID)
	}
	for _, u := range []auth.User{visitor, b.other, b.seller, b.admin} {
		requireOpens(u, true, true)
	}

	require.NoError(t, b.svc.Hide(ctx, b.admin, l.ID, "Abusive photo"))
	requireOpens(visitor, false, false)
	requireOpens(b.other, false, false)
	requireOpens(b.seller, true, false)
	requireOpens(b.admin, true, false)
	_, _, err = b.svc.Unhide(ctx, b.admin, l.ID)
	require.NoError(t, err)
	requireOpens(visitor, true, true)

	catalogtest.SetSellerDisabled(ctx, t, b.pool, b.seller.ID, true)
	requireOpens(visitor, false, false)
	requireOpens(b.admin, true, false)
	catalogtest.SetSellerDisabled(ctx, t, b.pool, b.seller.ID, false)

	in := validInput()
	in.Draft = true
	draft, err := b.svc.Create(ctx, b.seller, in)
	require.NoError(t, err)
	dp, err := b.svc.AddPhoto(ctx, b.seller, draft.ID, catalogtest.JPEG(40, 60))
	require.NoError(t, err)
	keys = []string{strings.TrimPrefix(dp.URL("thumb"), "/photos/")}
	requireOpens(visitor, false, false)
	requireOpens(b.seller, true, false)

	for _, key := range []string{"", "b999999/0123456789abcdef01234567-320.jpg", "x1/0123456789abcdef01234567-320.jpg", "b/0-320.jpg", "../../etc/passwd",
		fmt.Sprintf("b%d/0123456789abcdef01234567-320.jpg", l.ID)} {
		_, _, err := b.svc.OpenPhoto(auth.WithUser(ctx, b.admin), key)
		require.ErrorIs(t, err, service.ErrPhotoNotFound, "%q", key)
	}
}

// TestService_ReorderPhotos: the seller sets the order of a listing's
// photos, whole or one move at a time, and the first is the cover wherever
// photos show; positions are renumbered 1, 2, 3… each time, however the
// changes race.
func TestService_ReorderPhotos(t *testing.T) {
	t.Parallel()
	// withPhotos is a listing of the seller's with n photos, and their ids
	// in upload order.
	withPhotos := func(ctx context.Context, t *testing.T, b *bundle, n int) (catalog.BookID, []int64) {
		t.Helper()
		l, err := b.svc.Create(ctx, b.seller, validInput())
		require.NoError(t, err)
		ids := make([]int64, n)
		for i := range n {
			p, err := b.svc.AddPhoto(ctx, b.seller, l.ID, catalogtest.JPEG(10+i, 10))
			require.NoError(t, err)
			ids[i] = p.ID
		}
		return l.ID, ids
	}
	// order is the listing's photo ids as it shows them, after checking
	// that their positions are 1, 2, 3….
	order := func(ctx context.Context, t *testing.T, b *bundle, id catalog.BookID) []int64 {
		t.Helper()
		var positions []int32
		rows, err := b.pool.Query(ctx, "SELECT position FROM catalog.photos WHERE book_id = $1 ORDER BY position", id)
		require.NoError(t, err)
		for rows.Next() {
			var p int32
			require.NoError(t, rows.Scan(&p))
			positions = append(positions, p)
		}
		require.NoError(t, rows.Err())
		for i, p := range positions {
			require.EqualValues(t, i+1, p, "positions are dense and unique: %v", positions)
		}
		l, err := b.svc.Listing(ctx, id)
		require.NoError(t, err)
		ids := make([]int64, len(l.Photos))
		for i, p := range l.Photos {
			ids[i] = p.ID
		}
		return ids
	}
	idsOf := func(ps []service.Photo) []int64 {
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		return ids
	}

	t.Run("Owner", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		id, p := withPhotos(ctx, t, b, 4)
		// A removed photo leaves a gap in the positions, which a reorder
		// closes.
		require.NoError(t, b.svc.DeletePhoto(ctx, b.seller, id, p[1]))
		before, after, err := b.svc.ReorderPhotos(ctx, b.seller, id, service.PhotoIDs([]int64{p[3], p[0], p[2]}))
		require.NoError(t, err)
		require.Equal(t, []int64{p[0], p[2], p[3]}, idsOf(before))
		require.Equal(t, []int64{p[3], p[0], p[2]}, idsOf(after))
		require.Equal(t, []int64{p[3], p[0], p[2]}, order(ctx, t, b, id))

		res, err := b.svc.Search(ctx, service.Query{})
		require.NoError(t, err)
		require.Len(t, res.Listings, 1)
		require.Equal(t, []int64{p[3], p[0], p[2]}, idsOf(res.Listings[0].Photos), "search results show the new cover first")
		mine, _, err := b.svc.SellerListings(ctx, b.seller, 1, 10)
		require.NoError(t, err)
		require.Equal(t, []int64{p[3], p[0], p[2]}, idsOf(mine[0].Photos), "so does the seller's list")

		_, err = b.svc.AddPhoto(ctx, b.seller, id, catalogtest.JPEG(9, 9))
		require.NoError(t, err)
		require.Len(t, order(ctx, t, b, id), 4, "an upload goes last")
	})
	t.Run("Moves", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		id, p := withPhotos(ctx, t, b, 3)
		move := func(o service.PhotoOrder) error {
			_, _, err := b.svc.ReorderPhotos(ctx, b.seller, id, o)
			return err
		}
		require.NoError(t, move(service.PhotoToCover(p[2])))
		require.Equal(t, []int64{p[2], p[0], p[1]}, order(ctx, t, b, id))
		require.NoError(t, move(service.PhotoToCover(p[2])), "the cover stays the cover")
		require.Equal(t, []int64{p[2], p[0], p[1]}, order(ctx, t, b, id))
		require.NoError(t, move(service.PhotoEarlier(p[1])))
		require.Equal(t, []int64{p[2], p[1], p[0]}, order(ctx, t, b, id))
		require.NoError(t, move(service.PhotoLater(p[2])))
		require.Equal(t, []int64{p[1], p[2], p[0]}, order(ctx, t, b, id))

		require.ErrorIs(t, move(service.PhotoEarlier(p[1])), service.ErrPhotoAtEnd)
		require.ErrorIs(t, move(service.PhotoLater(p[0])), service.ErrPhotoAtEnd)
		require.ErrorIs(t, move(service.PhotoToCover(p[0]+100)), service.ErrPhotoNotFound)
		require.Equal(t, apperr.Conflict, apperr.KindOf(move(service.PhotoLater(p[0]))))
		require.Equal(t, []int64{p[1], p[2], p[0]}, order(ctx, t, b, id), "a refused move changes nothing")
	})
	t.Run("OnlyTheSeller", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		id, p := withPhotos(ctx, t, b, 2)
		for _, u := range []auth.User{b.other, b.admin} {
			_, _, err := b.svc.ReorderPhotos(ctx, u, id, service.PhotoIDs([]int64{p[1], p[0]}))
			require.ErrorIs(t, err, catalog.ErrNotFound, u.Name)
			_, _, err = b.svc.ReorderPhotos(ctx, u, id, service.PhotoToCover(p[1]))
			require.ErrorIs(t, err, catalog.ErrNotFound, u.Name)
		}
		_, _, err := b.svc.ReorderPhotos(ctx, auth.User{}, id, service.PhotoToCover(p[1]))
		require.ErrorIs(t, err, auth.ErrUnauthenticated)
		_, _, err = b.svc.ReorderPhotos(ctx, b.seller, id+1000, service.PhotoIDs(nil))
		require.ErrorIs(t, err, catalog.ErrNotFound)
		require.Equal(t, p, order(ctx, t, b, id))
	})
	t.Run("BadLists", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		id, p := withPhotos(ctx, t, b, 3)
		otherID, q := withPhotos(ctx, t, b, 1)
		for name, c := range map[string]struct {
			ids  []int64
			want string
		}{
			"Misses":   {[]int64{p[2], p[0]}, fmt.Sprintf("it leaves out photo %d", p[1])},
			"Repeats":  {[]int64{p[2], p[0], p[2], p[1]}, fmt.Sprintf("it names photo %d more than once", p[2])},
			"Adds":     {[]int64{p[2], p[0], p[1], q[0]}, fmt.Sprintf("it names photo %d, which is not one of them", q[0])},
			"Empty":    {[]int64{}, fmt.Sprintf("it leaves out photo %d; leaves out photo %d; leaves out photo %d", p[0], p[1], p[2])},
			"TooLong":  {make([]int64, 1000), "it names 1000, and a listing has at most 6"},
			"Swapped":  {[]int64{p[0], q[0], p[2]}, fmt.Sprintf("it names photo %d, which is not one of them; leaves out photo %d", q[0], p[1])},
			"Negative": {[]int64{p[0], p[1], -p[2]}, fmt.Sprintf("it names photo %d, which is not one of them; leaves out photo %d", -p[2], p[2])},
		} {
			_, _, err := b.svc.ReorderPhotos(ctx, b.seller, id, service.PhotoIDs(c.ids))
			require.ErrorIs(t, err, service.ErrPhotoOrder, name)
			msg := fieldsOf(t, err)["photo_ids"]
			require.True(t, strings.HasPrefix(msg, "must name each of the listing's 3 photos once, the cover first: "), "%s: %s", name, msg)
			require.True(t, strings.HasSuffix(msg, c.want), "%s: %s", name, msg)
		}
		require.Equal(t, p, order(ctx, t, b, id), "a refused list changes nothing")
		require.Equal(t, q, order(ctx, t, b, otherID))
	})
	t.Run("Archived", func(t *testing.T) {
		t.Parallel()
		b, ctx := setup(t)
		id, p := withPhotos(ctx, t, b, 2)
		_, err := b.pool.Exec(ctx, "UPDATE catalog.books SET status = 'archived' WHERE id = $1", id)
		require.NoError(t, err)
		_, _, err = b.svc.ReorderPhotos(ctx, b.seller, id, service.PhotoToCover(p[1]))
		require.ErrorIs(t, err, service.ErrArchived)
	})
	t.Run("Race", func(t *testing.T) {
		// Two moves of the same photo sent together both take effect, one
		// after the other: each reads the order the other left, under the
		// listing's lock.
		t.Parallel()
		b, ctx := setup(t)
		id, p := withPhotos(ctx, t, b, 3)
		lock, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = lock.Rollback(ctx) }()
		_, err = lock.Exec(ctx, "SELECT 1 FROM catalog.books WHERE id = $1 FOR UPDATE", id)
		require.NoError(t, err)
		done := make(chan error, 2)
		for range 2 {
			go func() {
				_, _, err := b.svc.ReorderPhotos(ctx, b.seller, id, service.PhotoLater(p[0]))
				done <- err
			}()
		}
		awaitLockWaiters(ctx, t, b.pool, 2)
		require.NoError(t, lock.Rollback(ctx))
		require.NoError(t, receive(t, done))
		require.NoError(t, receive(t, done))
		require.Equal(t, []int64{p[1], p[2], p[0]}, order(ctx, t, b, id))

		// Whole orders racing leave one of them, never a mix.
		orders := [][]int64{{p[2], p[1], p[0]}, {p[1], p[0], p[2]}, {p[0], p[2], p[1]}}
		var wg sync.WaitGroup
		errs := make(chan error, 3*len(orders))
		for range 3 {
			for _, o := range orders {
				wg.Go(func() {
					_, _, err := b.svc.ReorderPhotos(ctx, b.seller, id, service.PhotoIDs(o))
					errs <- err
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Contains(t, orders, order(ctx, t, b, id))
	})
}
