package view

import (
	"net/url"
	"strconv"
)

// Pager is the data of the "pagination" partial. Pages are numbered from 1
// and live in the URL's "page" parameter, so a page can be shared.
type Pager struct {
	Page    int
	HasPrev bool
	HasNext bool
	PrevURL string
	NextURL string
}

// MaxPage bounds the page parameter, so a crafted URL cannot ask the
// database to skip millions of rows.
const MaxPage = 1000

// PageParam reads the "page" parameter: 1 when absent or malformed.
func PageParam(q url.Values) int { return PageParamOf(q, "page") }

// PageParamOf reads the page number in param, for a page that pages two
// lists at once (a seller's reviews and listings).
func PageParamOf(q url.Values, param string) int {
	p, err := strconv.Atoi(q.Get(param))
	if err != nil || p < 1 {
		return 1
	}
	return min(p, MaxPage)
}

// NewPager links the pages around page; hasNext is usually found by asking
// the database for one row more than a page holds.
func NewPager(u *url.URL, page int, hasNext bool) Pager { return NewPagerOf(u, "page", page, hasNext) }

// NewPagerOf is NewPager for the page number in param.
func NewPagerOf(u *url.URL, param string, page int, hasNext bool) Pager {
	link := func(n int) string {
		q := u.Query()
		if n <= 1 {
			q.Del(param)
		} else {
			q.Set(param, strconv.Itoa(n))
		}
		if len(q) == 0 {
			return u.Path
		}
		return u.Path + "?" + q.Encode()
	}
	p := Pager{Page: page, HasPrev: page > 1, HasNext: hasNext && page < MaxPage}
	if p.HasPrev {
		p.PrevURL = link(page - 1)
	}
	if p.HasNext {
		p.NextURL = link(page + 1)
	}
	return p
}
