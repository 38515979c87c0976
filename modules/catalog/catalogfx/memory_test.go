package catalogfx

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
)

// TestPhotoUploads_MemoryBound uploads photos to the real binary at once
// and reads its peak resident memory: the decompression bomb (a
// 301 KiB PNG that decodes to 303 MiB) is refused from its header and
// costs nothing, and a burst of the largest photos allowed keeps the
// process within what DefaultPhotoDecodes slots of PhotoBytes hold, twice
// over for the garbage collector's headroom.
func TestPhotoUploads_MemoryBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	url := pool.Config().ConnString()
	seller := authtest.CreateUser(ctx, t, pool, nil)
	token := authtest.SignIn(ctx, t, pool, seller.Email, authtest.DefaultPassword).ID
	var books []catalog.BookID
	for range 2 {
		books = append(books, catalogtest.CreateBook(ctx, t, pool, &catalogtest.BookOpts{SellerID: seller.ID}).ID)
	}
	srv := proctest.Serve(t, []string{"DATABASE_URL=" + url, "BOOKSTORE_LOG_LEVEL=error"})
	upload := func(book catalog.BookID, photo []byte) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, err := mw.CreateFormFile("photo", "photo.png")
		require.NoError(t, err)
		_, err = part.Write(photo)
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/books/%d/photos", srv.URL(), book), &body)
		require.NoError(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	atOnce := func(n int, photo []byte, check func(status int, body string)) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { check(upload(books[i%len(books)], photo)) })
		}
		wg.Wait()
	}

	status, body := upload(books[0], catalogtest.JPEG(64, 64))
	require.Equal(t, http.StatusCreated, status, body)
	idle := peakRSS(t, srv.Cmd.Process.Pid)

	bomb := catalogtest.ZeroPNG(6300, 6300, 16, false)
	require.Less(t, len(bomb), 320<<10)
	atOnce(4, bomb, func(status int, body string) {
		require.Equal(t, http.StatusUnprocessableEntity, status, body)
		require.Contains(t, body, `"catalog.photo_pixels"`)
	})
	require.Less(t, peakRSS(t, srv.Cmd.Process.Pid)-idle, int64(16<<20), "refusing a bomb must not decode it")

	// 12 megapixels of 8-bit RGBA: 48 MB decoded, near the limit.
	large := catalogtest.ZeroPNG(4000, 3000, 8, false)
	atOnce(8, large, func(status int, body string) {
		require.Equal(t, http.StatusCreated, status, body)
	})
	bound := 2 * int64(service.DefaultPhotoDecodes()) * service.PhotoBytes
	grew := peakRSS(t, srv.Cmd.Process.Pid) - idle
	t.Logf("peak RSS grew %d MiB over %d MiB for 8 photos at once; bound %d MiB (%d at a time)", grew>>20, idle>>20, bound>>20, service.DefaultPhotoDecodes())
	require.Less(t, grew, bound)
}

// peakRSS is the process's peak resident memory (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	require.NoError(t, sc.Err())
	t.Fatal("no VmHWM in /proc status")
	return 0
}
