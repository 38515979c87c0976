package web

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/bookstore/bookstore/platform/apperr"
)

// PathID reads the positive integer id in the path parameter name. Anything
// else (missing, not a number, zero, negative, past int64) names nothing, so
// it returns notFound, the sentinel of what the id would have named.
func PathID(r *http.Request, name string, notFound error) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id < 1 {
		return 0, notFound
	}
	return id, nil
}

// FormID reads the positive integer id in the form field or query
// parameter name, or 0 when it holds none (missing, not a number, zero,
// negative, past int64): a choice not made, which the service refuses in
// its own words, as it refuses an empty one.
func FormID(r *http.Request, name string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// Uploads parses a multipart upload and returns the files sent in field,
// with a 4xx error when the request is no upload or carries none.
func Uploads(r *http.Request, field string) ([]*multipart.FileHeader, error) {
	if err := ParseMultipart(r); err != nil {
		if apperr.KindOf(err) == apperr.TooLarge {
			return nil, err
		}
		return nil, apperr.ErrBadRequest.WithMessage("send the files as a multipart form upload in the field \"" + field + "\"")
	}
	files := r.MultipartForm.File[field]
	if len(files) == 0 {
		return nil, apperr.ErrInvalid.WithMessage("choose a file to upload").WithFields(map[string]string{field: "choose a file to upload"})
	}
	return files, nil
}

// ReadUpload returns an uploaded file's bytes, reading at most one byte
// past max, so an oversized file is refused with tooLarge without being
// kept in memory.
func ReadUpload(fh *multipart.FileHeader, max int64, tooLarge error) ([]byte, error) {
	if fh.Size > max {
		return nil, tooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, apperr.ErrBadRequest.WithMessage("the upload could not be read")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, apperr.ErrBadRequest.WithMessage("the upload could not be read")
	}
	if int64(len(data)) > max {
		return nil, tooLarge
	}
	return data, nil
}

// Cursor reads an internal call's page of a feed: after, the last item the
// caller has, and limit, both required whole numbers (a 400 otherwise).
// Their ranges are the service's to judge, as it judges a local caller's,
// so that the remote client answers as the service does.
func Cursor(r *http.Request) (after int64, limit int, err error) {
	q := r.URL.Query()
	after, err1 := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, err2 := strconv.Atoi(q.Get("limit"))
	if err1 != nil || err2 != nil {
		return 0, 0, apperr.ErrBadRequest.WithMessage("after and limit must be whole numbers")
	}
	return after, limit, nil
}

// MaxOffset bounds the offset of an API list: a deep page costs the
// database a scan of every row it skips, and a larger number would overflow
// the 32-bit parameters of the queries (a 500 once).
const MaxOffset = 100_000

// Window reads an API list's limit (1 to maxLimit) and offset (0 to
// MaxOffset) from the query, each 0 when absent, with a 422 naming the
// parameter otherwise.
func Window(r *http.Request, maxLimit int) (limit, offset int, err error) {
	q := r.URL.Query()
	read := func(name string, lo, hi int) (int, error) {
		v := q.Get(name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			msg := fmt.Sprintf("must be a whole number from %d to %d", lo, hi)
			return 0, apperr.ErrInvalid.WithMessage(name + " " + msg).WithFields(map[string]string{name: msg})
		}
		return n, nil
	}
	if limit, err = read("limit", 1, maxLimit); err != nil {
		return 0, 0, err
	}
	offset, err = read("offset", 0, MaxOffset)
	return limit, offset, err
}
