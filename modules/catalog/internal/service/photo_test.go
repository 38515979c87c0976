package service_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
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
