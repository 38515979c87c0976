package pages_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web/webtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	seller = &catalogtest.Seller
	other  = &catalogtest.Other
	admin  = &catalogtest.Admin
)

const injection = `<script>alert("x")</script>'; DROP TABLE catalog.books;--`

func validForm() url.Values {
	return url.Values{
		"title": {"Der Zauberberg"}, "author": {"Thomas Mann"}, "isbn": {"978-0-14-143951-8"},
		"condition": {"very_good"}, "condition_note": {"Spine creased"}, "price": {"12.50"},
		"copies": {"2"}, "description": {"Sanatorium novel."}, "language": {"de"}, "year": {"1924"},
	}
}

func create(t *testing.T, env *catalogtest.Server, form url.Values) catalog.BookID {
	t.Helper()
	return listed(t, env.Post(t, "/my/listings", form, authtest.As(seller)...))
}

// listed is the id of the listing a successful new-listing form made.
func listed(t *testing.T, res webtest.Response) catalog.BookID {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	m := regexp.MustCompile(`/my/listings/(\d+)/edit`).FindStringSubmatch(res.Header.Get("Location"))
	require.Len(t, m, 2)
	var id int64
	_, err := fmt.Sscan(m[1], &id)
	require.NoError(t, err)
	return catalog.BookID(id)
}

// The book's page shows more of its seller's listings on sale, and only
// those.
func TestPages_BookShowsSellerOthers(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	book := func(title string, seller auth.UserID, o catalogtest.BookOpts) catalog.Book {
		o.Title, o.SellerID, o.SellerName = title, seller, "Olga Owner"
		return catalogtest.CreateBook(ctx, t, env.Pool, &o)
	}
	this := book("This Book", 77, catalogtest.BookOpts{})
	other := book("Another Novel", 77, catalogtest.BookOpts{})
	book("Paused One", 77, catalogtest.BookOpts{Status: catalog.StatusPaused})
	hidden := book("Hidden One", 77, catalogtest.BookOpts{})
	_, err := env.Pool.Exec(ctx, "UPDATE catalog.books SET hidden_reason = 'spam' WHERE id = $1", hidden.ID)
	require.NoError(t, err)
	soldOut := book("Sold Out One", 77, catalogtest.BookOpts{Copies: 1})
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, soldOut.ID, 1)
	alone := book("Someone Else's", 78, catalogtest.BookOpts{})

	res := env.Get(t, fmt.Sprintf("/books/%d", this.ID))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, `<a href="#seller-others">more from this seller</a>`)
	others := res.Body[strings.Index(res.Body, `id="seller-others"`):]
	require.Contains(t, others, "More from <bdi>Olga Owner</bdi>")
	require.Contains(t, others, fmt.Sprintf(`href="/books/%d"`, other.ID))
	for _, gone := range []string{"This Book", "Paused One", "Hidden One", "Sold Out One", "Someone Else"} {
		require.NotContains(t, others, gone)
	}
	res = env.Get(t, fmt.Sprintf("/books/%d", alone.ID))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NotContains(t, res.Body, "seller-others", "nothing more from a seller of one book")
}

// An "Add to cart" the orders module refused for its quantity comes back
// to the book's page in the flash: the page shows the form again as any
// refused form, for the same viewer (a visitor or a member), with what was
// typed and the message under the field, and answers 422. A page that no
// longer offers the form, or another book's, shows only the message at
// the top.
func TestPages_BookShowsRefusedQuantity(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	dune := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Dune", SellerID: seller.ID, Copies: 3})
	emma := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Emma", Copies: 3})
	// flash is the cookie the orders module sets, refusing typed for book.
	flash := func(book catalog.BookID, typed string) []string {
		rec := httptest.NewRecorder()
		view.SetRefusedFlash(rec, "Quantity: enter a whole number", view.RefusedForm{Action: view.CartItemsPath,
			Values: map[string]string{"book_id": view.Itoa(book), "quantity": typed}, Errors: map[string]string{"quantity": "enter a whole number"}})
		c := rec.Result().Cookies()
		require.Len(t, c, 1)
		return []string{"Cookie", c[0].Name + "=" + c[0].Value}
	}
	for _, who := range []*auth.User{nil, other} {
		for _, typed := range []string{"two", `"><script>`} {
			res := env.Get(t, fmt.Sprintf("/books/%d", emma.ID), append(authtest.As(who), flash(emma.ID, typed)...)...)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
			require.Contains(t, res.Body, "<title>Error: \u2068Emma\u2069 · BookStore</title>")
			require.Contains(t, res.Body, `<input id="quantity" type="text" inputmode="numeric" name="quantity" value="`+html.EscapeString(typed)+`" aria-invalid="true" aria-describedby="e-quantity" required>`, "what was typed, tied to its message")
			require.Contains(t, res.Body, `<p class="field-error" id="e-quantity">enter a whole number</p>`)
			require.Contains(t, res.Body, `role="alert">Quantity: enter a whole number</div>`, "said at the top too")
			require.Contains(t, res.Body, fmt.Sprintf(`name="book_id" value="%d"`, emma.ID), "the rest of the page as a GET shows it")
			require.Contains(t, res.Body, "Seller 1000")
			if who != nil {
				require.Contains(t, res.Body, "Sell one like this")
			}
		}
	}

	res := env.Get(t, fmt.Sprintf("/books/%d", emma.ID), flash(dune.ID, "two")...)
	require.Equal(t, http.StatusOK, res.StatusCode, "another book's form")
	require.Contains(t, res.Body, `<input id="quantity" type="number" name="quantity" value="1" min="1" max="3" required>`)
	require.Contains(t, res.Body, `role="alert">Quantity: enter a whole number</div>`)

	res = env.Get(t, fmt.Sprintf("/books/%d", dune.ID), append(authtest.As(seller), flash(dune.ID, "two")...)...)
	require.Equal(t, http.StatusOK, res.StatusCode, "the seller's page has no form to show it at")
	require.NotContains(t, res.Body, "field-error")
	require.Contains(t, res.Body, `role="alert">Quantity: enter a whole number</div>`)

	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, emma.ID, 3)
	res = env.Get(t, fmt.Sprintf("/books/%d", emma.ID), flash(emma.ID, "4")...)
	require.Equal(t, http.StatusOK, res.StatusCode, "sold out meanwhile: no form")
	require.Contains(t, res.Body, "This book cannot be bought right now.")
	require.Contains(t, res.Body, `role="alert">Quantity: enter a whole number</div>`)
}

// A title and its author are marked with the book's language wherever a
// page shows them, so that a screen reader reads them in its voice; the
// page's own English needs no mark.
func TestPages_TitlesInTheirLanguage(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	neko := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "吾輩は猫である", Author: "夏目漱石", Language: "ja"})
	dune := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Dune", Author: "Frank Herbert"})
	other := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Lingua Ignota", Language: "other"})

	res := env.Get(t, fmt.Sprintf("/books/%d", neko.ID))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, `<h1 lang="ja" dir="auto">吾輩は猫である</h1>`)
	require.Contains(t, res.Body, `by <bdi lang="ja">夏目漱石</bdi>`)
	for _, id := range []catalog.BookID{dune.ID, other.ID} {
		res = env.Get(t, fmt.Sprintf("/books/%d", id))
		require.Equal(t, http.StatusOK, res.StatusCode)
		info := res.Body[strings.Index(res.Body, `<div class="book-info">`):strings.Index(res.Body, `<div class="book-gallery">`)]
		require.NotContains(t, info, ` lang="`, "English, and no language in particular, are not marked")
	}

	res = env.Get(t, "/books")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, fmt.Sprintf(`<h3 lang="ja" dir="auto"><a href="/books/%d">吾輩は猫である</a></h3><p class="author" lang="ja" dir="auto">夏目漱石</p>`, neko.ID))
	require.Contains(t, res.Body, fmt.Sprintf(`<h3 dir="auto"><a href="/books/%d">Dune</a></h3><p class="author" dir="auto">Frank Herbert</p>`, dune.ID))
}

func TestPages_Browse(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	on := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Crime and Punishment", Author: "Fyodor Dostoyevsky", PriceCents: 799, Copies: 3, ISBN: "9780141439518"})
	soldOut := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "The Idiot", Copies: 1})
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, soldOut.ID, 1)
	paused := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Demons", Status: catalog.StatusPaused})
	draft := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Secret draft", Status: catalog.StatusDraft, SellerID: catalogtest.Seller.ID})
	evil := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: injection, Author: "שלום عالم"})

	t.Run("Home", func(t *testing.T) {
		res := env.Get(t, "/")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "Crime and Punishment")
		require.Contains(t, res.Body, `action="/books"`)
		require.NotContains(t, res.Body, "Secret draft")
		require.NotContains(t, res.Body, "<script>alert")
		require.Contains(t, res.Body, "&lt;script&gt;")
	})
	t.Run("Search", func(t *testing.T) {
		res := env.Get(t, "/books?q=dostoievsky+OR+crime&sort=relevance")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "Crime and Punishment")
		require.Contains(t, res.Body, "$7.99")
		require.Contains(t, res.Body, "3 available")
		res = env.Get(t, "/books?q=idiot")
		require.Contains(t, res.Body, "Sold out")
		res = env.Get(t, "/books?q=Demons")
		require.Contains(t, res.Body, "No books match")
		require.Contains(t, res.Body, "0 books")
	})
	t.Run("CountAndDidYouMean", func(t *testing.T) {
		res := env.Get(t, "/books?q=crime")
		require.Contains(t, res.Body, ">1 book<")
		res = env.Get(t, "/books?q=punishmnt&condition=good")
		require.Contains(t, res.Body, "No books match")
		require.Contains(t, res.Body, `Did you mean <a href="/books?condition=good&amp;q=punishment"><bdi>punishment</bdi></a>?`)
		res = env.Get(t, "/books?q=punishment&condition=good")
		require.Contains(t, res.Body, "Crime and Punishment")
		require.NotContains(t, res.Body, "Did you mean")
	})
	t.Run("EmptyWithFiltersSuggestsRemovingThem", func(t *testing.T) {
		res := env.Get(t, "/books?q=crime&condition=new&min_price=1000")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "No books match")
		require.Contains(t, res.Body, "removing the filters")
		require.Contains(t, res.Body, `href="/books?q=crime"`)
	})
	t.Run("PricesTooLargeToHold", func(t *testing.T) {
		res := env.Get(t, "/books?q=crime&max_price=99999999999999")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "Crime and Punishment", "a highest price past every price")
		res = env.Get(t, "/books?q=crime&min_price=99999999999999")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "No books match", "a lowest price past every price")
	})
	t.Run("BadParametersAreExplained", func(t *testing.T) {
		for _, qs := range []string{"min_price=abc", "min_price=-5", "max_price=1e9", "max_price=0", "condition=mint", "sort=random", "language=xx", "q=" + strings.Repeat("a", 300)} {
			res := env.Get(t, "/books?"+qs)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, qs)
			require.Contains(t, res.Body, "field-error", qs)
			require.Contains(t, res.Body, "Crime and Punishment", "the rest of the search still runs: "+qs)
		}
		res := env.Get(t, "/books?q="+url.QueryEscape(injection))
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.NotContains(t, res.Body, "<script>alert")
	})
	t.Run("BadPagingShowsTheFirstPage", func(t *testing.T) {
		for _, qs := range []string{"page=abc", "page=0", "page=-3", "per_page=500", "cursor=x"} {
			res := env.Get(t, "/books?q=crime&"+qs)
			require.Equal(t, http.StatusOK, res.StatusCode, qs)
			require.NotContains(t, res.Body, "field-error", qs)
			require.Contains(t, res.Body, "Crime and Punishment", qs)
		}
	})
	t.Run("Pagination", func(t *testing.T) {
		for i := range 30 {
			catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: fmt.Sprintf("Filler %d", i)})
		}
		res := env.Get(t, "/books?sort=newest")
		require.Contains(t, res.Body, `rel="next" href="/books?page=2&amp;sort=newest"`)
		res = env.Get(t, "/books?cursor=2&sort=newest")
		require.Contains(t, res.Body, `rel="prev" href="/books?sort=newest"`, "the API's cursor is not kept in the links, where it would outvote their page")
		res = env.Get(t, "/books?sort=newest&page=2")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, `rel="prev"`)
		// A page past the end, by number or by the API's cursor, leads
		// to the last page by number (a kept cursor would lead back).
		for _, qs := range []string{"sort=newest&page=9", "sort=newest&cursor=9"} {
			res = env.Get(t, "/books?"+qs)
			require.Equal(t, http.StatusSeeOther, res.StatusCode, qs)
			require.Equal(t, "/books?page=2&sort=newest", res.Header.Get("Location"), qs)
		}
	})
	t.Run("BookPageOffersToBuy", func(t *testing.T) {
		res := env.Get(t, fmt.Sprintf("/books/%d", on.ID))
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, `action="/cart/items"`)
		require.Contains(t, res.Body, fmt.Sprintf(`name="book_id" value="%d"`, on.ID))
		require.Contains(t, res.Body, `name="quantity"`)
		require.Contains(t, res.Body, "Seller 1000")
		require.Contains(t, res.Body, `href="/editions/9780141439518"`)
	})
	t.Run("SoldOutAndPausedOfferNoWayToBuy", func(t *testing.T) {
		for id, says := range map[catalog.BookID]string{soldOut.ID: "Sold out", paused.ID: "Paused by the seller"} {
			res := env.Get(t, fmt.Sprintf("/books/%d", id))
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.Contains(t, res.Body, says)
			require.NotContains(t, res.Body, "/cart/items")
		}
	})
	t.Run("DraftsAreTheSellersOnly", func(t *testing.T) {
		require.Equal(t, http.StatusNotFound, env.Get(t, fmt.Sprintf("/books/%d", draft.ID)).StatusCode)
		require.Equal(t, http.StatusNotFound, env.Get(t, fmt.Sprintf("/books/%d", draft.ID), authtest.As(other)...).StatusCode)
		res := env.Get(t, fmt.Sprintf("/books/%d", draft.ID), authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "Edit your listing")
	})
	t.Run("UnknownBooks", func(t *testing.T) {
		for _, p := range []string{"/books/999999", "/books/abc", "/books/-1", "/books/99999999999999999999999"} {
			require.Equal(t, http.StatusNotFound, env.Get(t, p).StatusCode, p)
		}
	})
	t.Run("InjectionShownEscaped", func(t *testing.T) {
		res := env.Get(t, fmt.Sprintf("/books/%d", evil.ID))
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.NotContains(t, res.Body, "<script>alert")
		require.Contains(t, res.Body, "&lt;script&gt;")
		require.Contains(t, res.Body, "שלום عالم")
	})
	t.Run("Edition", func(t *testing.T) {
		catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{Title: "Crime and Punishment (cheap)", ISBN: "9780141439518", PriceCents: 299})
		res := env.Get(t, "/editions/0-14-143951-3")
		require.Equal(t, http.StatusOK, res.StatusCode)
		cheap := strings.Index(res.Body, "$2.99")
		dear := strings.Index(res.Body, "$7.99")
		require.True(t, cheap > 0 && dear > cheap, "cheapest first")
		require.Equal(t, http.StatusNotFound, env.Get(t, "/editions/9780141439519").StatusCode)
		require.Equal(t, http.StatusNotFound, env.Get(t, "/editions/"+url.PathEscape(injection)).StatusCode)
		res = env.Get(t, "/editions/9780261102217")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "No copy of this edition")
	})
}

func TestPages_Sell(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)

	t.Run("SignedOutGoesToSignIn", func(t *testing.T) {
		for _, p := range []string{"/my/listings", "/my/listings/new"} {
			res := env.Get(t, p)
			require.Equal(t, http.StatusSeeOther, res.StatusCode)
			require.True(t, strings.HasPrefix(res.Header.Get("Location"), "/signin?next="), res.Header.Get("Location"))
		}
		res := env.Post(t, "/my/listings", validForm())
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		n, err := env.Svc.CountListings(context.Background())
		require.NoError(t, err)
		require.Zero(t, n)
	})
	t.Run("NewForm", func(t *testing.T) {
		res := env.Get(t, "/my/listings/new", authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		for _, f := range []string{"title", "author", "isbn", "condition", "condition_note", "price", "copies", "description", "language", "year"} {
			require.Contains(t, res.Body, `for="f-`+f+`"`, "label for "+f)
		}
		require.Contains(t, res.Body, `name="csrf_token"`)
	})
	t.Run("UnverifiedSellerIsToldAndKeepsTheForm", func(t *testing.T) {
		newcomer := &catalogtest.Newcomer
		res := env.Get(t, "/my/listings/new", authtest.As(newcomer)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "Confirm your email address to publish")
		require.Contains(t, res.Body, `action="/account/verify/resend"`)
		require.NotContains(t, env.Get(t, "/my/listings/new", authtest.As(seller)...).Body, "Confirm your email address")

		res = env.Post(t, "/my/listings", validForm(), authtest.As(newcomer)...)
		require.Equal(t, http.StatusForbidden, res.StatusCode)
		require.Contains(t, res.Body, "Confirm your email address to publish")
		require.Contains(t, res.Body, `value="Der Zauberberg"`, "nothing typed is lost")

		form := validForm()
		form.Set("draft", "on")
		listed(t, env.Post(t, "/my/listings", form, authtest.As(newcomer)...))
	})
	t.Run("CreateAndList", func(t *testing.T) {
		id := create(t, env, validForm())
		res := env.Get(t, "/my/listings", authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "Der Zauberberg")
		require.Contains(t, res.Body, "On sale")
		l, err := env.Svc.Listing(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, int64(1250), l.PriceCents)
		require.Equal(t, "9780141439518", l.ISBN)
		require.Equal(t, 1924, l.Year)
	})
	t.Run("InvalidFormsComeBackWithValuesAndMessages", func(t *testing.T) {
		cases := map[string]struct {
			field, value, message string
		}{
			"NonNumericPrice":  {"price", "twelve", "must be an amount like 12.50"},
			"NegativePrice":    {"price", "-3.00", "must be more than zero"},
			"ZeroPrice":        {"price", "0", "must be more than zero"},
			"PriceOverMax":     {"price", "10000.01", "must be at most 10000.00"},
			"PriceTooLarge":    {"price", "999999999999.99", "must be at most 10000.00"},
			"ZeroCopies":       {"copies", "0", "must be between 1 and 999"},
			"ThousandCopies":   {"copies", "1000", "must be between 1 and 999"},
			"TextCopies":       {"copies", "many", "must be a whole number"},
			"BadISBN":          {"isbn", "978-0-14-143951-9", "check digit"},
			"FutureYear":       {"year", "3000", "must be between"},
			"LongTitle":        {"title", strings.Repeat("t", 10_000), "at most 300 characters"},
			"MissingTitle":     {"title", "", "enter the title as printed on the cover"},
			"UnknownCondition": {"condition", "mint", "choose one of"},
		}
		for name, c := range cases {
			form := validForm()
			form.Set(c.field, c.value)
			form.Set("description", injection)
			res := env.Post(t, "/my/listings", form, authtest.As(seller)...)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, name)
			require.Contains(t, res.Body, c.message, name)
			require.Contains(t, res.Body, "Thomas Mann", "values are kept: "+name)
			require.NotContains(t, res.Body, "<script>alert", name)
		}
		extra := validForm()
		extra.Set("seller_id", "12")
		extra.Set("status", "archived")
		id := create(t, env, extra)
		l, err := env.Svc.Listing(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, catalogtest.Seller.ID, l.SellerID, "extra fields are ignored")
		require.Equal(t, catalog.StatusActive, l.Status)
	})
	t.Run("Draft", func(t *testing.T) {
		form := validForm()
		form.Set("draft", "1")
		id := create(t, env, form)
		res := env.Post(t, fmt.Sprintf("/my/listings/%d/publish", id), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		l, err := env.Svc.Listing(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, catalog.StatusActive, l.Status)
	})
}

func TestPages_Manage(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	id := create(t, env, validForm())
	get := func() service.Listing {
		l, err := env.Svc.Listing(ctx, id)
		require.NoError(t, err)
		return l
	}

	// Another seller's listing, on sale or not, answers as one that does
	// not exist: its seller's pages tell no one that it is there.
	t.Run("OtherUserFindsNothingAnywhere", func(t *testing.T) {
		before := get()
		form := validForm()
		form.Set("title", "Hijacked")
		for _, p := range []string{"/edit", "/delete"} {
			require.Equal(t, http.StatusNotFound, env.Get(t, fmt.Sprintf("/my/listings/%d%s", id, p), authtest.As(other)...).StatusCode, p)
		}
		for _, p := range []string{"", "/pause", "/resume", "/publish", "/delete"} {
			require.Equal(t, http.StatusNotFound, env.Post(t, fmt.Sprintf("/my/listings/%d%s", id, p), form, authtest.As(other)...).StatusCode, p)
		}
		res := env.Upload(t, fmt.Sprintf("/my/listings/%d/photos", id), "photo", map[string][]byte{"a.jpg": catalogtest.JPEG(10, 10)}, authtest.As(other)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		after := get()
		require.Equal(t, before.Title, after.Title)
		require.Equal(t, before.Status, after.Status)
		require.Empty(t, after.Photos)
	})
	t.Run("Edit", func(t *testing.T) {
		res := env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, `value="Der Zauberberg"`)
		require.Contains(t, res.Body, `value="12.50"`)
		form := validForm()
		form.Set("price", "15")
		form.Set("copies", "4")
		form.Set("copies_base", strings.Join(webtest.HiddenValues(res.Body, "copies_base"), ""))
		res = env.Post(t, fmt.Sprintf("/my/listings/%d", id), form, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Equal(t, int64(1500), get().PriceCents)
		require.Equal(t, 4, get().Available)
		form.Set("price", "abc")
		res = env.Post(t, fmt.Sprintf("/my/listings/%d", id), form, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "must be an amount")
	})
	t.Run("CopiesNotBelowHeld", func(t *testing.T) {
		catalogtest.Hold(ctx, t, env.Svc, env.Pool, 77, id, 3)
		form := validForm()
		form.Set("copies", "2")
		form.Set("copies_base", strings.Join(webtest.HiddenValues(env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...).Body, "copies_base"), ""))
		res := env.Post(t, fmt.Sprintf("/my/listings/%d", id), form, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "orders in progress hold 3 copies")
		res = env.Get(t, "/my/listings", authtest.As(seller)...)
		require.Regexp(t, `<td data-label="Available">1</td>\s*<td data-label="Held by orders">3</td>\s*<td data-label="Sold">0</td>`, res.Body, "available, held, sold")
	})
	t.Run("PauseResume", func(t *testing.T) {
		res := env.Post(t, fmt.Sprintf("/my/listings/%d/pause", id), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, catalog.StatusPaused, get().Status)
		res = env.Get(t, "/my/listings", authtest.As(seller)...)
		require.Contains(t, res.Body, "Paused")
		require.Contains(t, res.Body, "listing is paused", "the flash message")
		res = env.Post(t, fmt.Sprintf("/my/listings/%d/resume", id), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, catalog.StatusActive, get().Status)
	})
	t.Run("Photos", func(t *testing.T) {
		path := fmt.Sprintf("/my/listings/%d/photos", id)
		res := env.Upload(t, path, "photo", map[string][]byte{"cover.png": catalogtest.PNG(60, 90)}, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		photos := get().Photos
		require.Len(t, photos, 1)
		img := env.Get(t, photos[0].URL("large"))
		require.Equal(t, http.StatusOK, img.StatusCode)
		require.Equal(t, "image/jpeg", img.Header.Get("Content-Type"))
		require.Equal(t, http.StatusNotFound, env.Get(t, "/photos/../../etc/passwd").StatusCode)
		require.Equal(t, http.StatusNotFound, env.Get(t, "/photos/b1/none-1200.jpg").StatusCode)

		big := make([]byte, 6<<20)
		copy(big, catalogtest.JPEG(10, 10))
		res = env.Upload(t, path, "photo", map[string][]byte{"big.jpg": big}, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "larger than 5 MB")
		res = env.Upload(t, path, "photo", map[string][]byte{"notes.jpg": []byte("these are my notes, not a photo")}, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "not a JPEG, PNG or WebP image")
		res = env.Upload(t, path, "photo", nil, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		res = env.Post(t, path, url.Values{"photo": {"x"}}, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "a plain form carries no file")
		require.Contains(t, res.Body, "multipart form upload")
		require.Len(t, get().Photos, 1)

		res = env.Post(t, fmt.Sprintf("%s/%d/delete", path, photos[0].ID), nil, authtest.As(other)...)
		require.Equal(t, http.StatusNotFound, res.StatusCode)
		res = env.Post(t, fmt.Sprintf("%s/%d/delete", path, photos[0].ID), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Empty(t, get().Photos)
	})
	t.Run("DeleteArchivesWhenOrdersReferToIt", func(t *testing.T) {
		res := env.Get(t, fmt.Sprintf("/my/listings/%d/delete", id), authtest.As(seller)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, res.Body, "archived, not deleted")
		res = env.Post(t, fmt.Sprintf("/my/listings/%d/delete", id), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, catalog.StatusArchived, get().Status)
		res = env.Get(t, "/my/listings", authtest.As(seller)...)
		require.Contains(t, res.Body, "archived rather than deleted")
		res = env.Post(t, fmt.Sprintf("/my/listings/%d/pause", id), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, catalog.StatusArchived, get().Status)
		res = env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode, "an archived listing has no edit form")
		res = env.Get(t, "/my/listings", authtest.As(seller)...)
		require.Contains(t, res.Body, "archived and can no longer change")
	})
	t.Run("DeleteWithoutOrders", func(t *testing.T) {
		fresh := create(t, env, validForm())
		res := env.Post(t, fmt.Sprintf("/my/listings/%d/delete", fresh), nil, authtest.As(seller)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		_, err := env.Svc.Listing(ctx, fresh)
		require.ErrorIs(t, err, catalog.ErrNotFound)
	})
}

// TestPages_StaleEditForm is the case: the seller opens the edit
// form on 3 copies, one sells, and the seller saves having changed only the
// description; the sold copy stays sold. Changing the copies on that stale
// form brings it back with the count of now.
func TestPages_StaleEditForm(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	form := validForm()
	form.Set("copies", "3")
	id := create(t, env, form)
	res := env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	form.Set("copies_base", strings.Join(webtest.HiddenValues(res.Body, "copies_base"), ""))
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, id, 1)
	catalogtest.Sell(ctx, t, env.Svc, 1)

	form.Set("description", "Spine slightly faded.")
	res = env.Post(t, fmt.Sprintf("/my/listings/%d", id), form, authtest.As(seller)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	require.Equal(t, catalogtest.Counts{Listed: 3, Available: 2, Sold: 1}, catalogtest.StockOf(ctx, t, env.Pool, id))

	form.Set("copies", "5")
	res = env.Post(t, fmt.Sprintf("/my/listings/%d", id), form, authtest.As(seller)...)
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, res.Body, "you have 2 copies now, not 3")
	require.Contains(t, res.Body, `value="5"`, "the form keeps what the seller typed")
	require.Equal(t, catalogtest.Counts{Listed: 3, Available: 2, Sold: 1}, catalogtest.StockOf(ctx, t, env.Pool, id))
	form.Set("copies_base", strings.Join(webtest.HiddenValues(res.Body, "copies_base"), ""))
	res = env.Post(t, fmt.Sprintf("/my/listings/%d", id), form, authtest.As(seller)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "saved again, the seller's answer stands")
	require.Equal(t, catalogtest.Counts{Listed: 6, Available: 5, Sold: 1}, catalogtest.StockOf(ctx, t, env.Pool, id))

	// A form without the copies it was opened with is not saved blind.
	for _, base := range []string{"", "abc", "99999999999999999999"} {
		form.Set("copies", "9")
		form.Set("copies_base", base)
		res = env.Post(t, fmt.Sprintf("/my/listings/%d", id), form, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, base)
		require.Contains(t, res.Body, "check the copies and save again: you have 5 now", base)
		require.Equal(t, []string{"5"}, webtest.HiddenValues(res.Body, "copies_base"), "the form comes back based on the copies of now")
		require.Equal(t, catalogtest.Counts{Listed: 6, Available: 5, Sold: 1}, catalogtest.StockOf(ctx, t, env.Pool, id))
	}
}

// The admin's list shows every listing, filtered by words and state, and
// hides or shows one from its row, returning to the list as filtered.
func TestPages_Admin(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	book := func(title string, by *auth.User, o catalogtest.BookOpts) catalog.Book {
		o.Title, o.SellerID, o.SellerName = title, by.ID, by.Name
		return catalogtest.CreateBook(ctx, t, env.Pool, &o)
	}
	onSale := book("Der Zauberberg", seller, catalogtest.BookOpts{})
	paused := book("Buddenbrooks", seller, catalogtest.BookOpts{Status: catalog.StatusPaused})
	soldOut := book("Tonio Kröger", seller, catalogtest.BookOpts{Copies: 1})
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, soldOut.ID, 1)
	ofPercy := book("Doktor Faustus", &auth.User{ID: other.ID, Name: "Percy 100%_Seller"}, catalogtest.BookOpts{})
	path := func(id catalog.BookID, action string) string { return fmt.Sprintf("/admin/listings/%d/%s", id, action) }
	list := func(query string) webtest.Response {
		t.Helper()
		res := env.Get(t, "/admin/listings"+query, authtest.As(admin)...)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		return res
	}
	shows := func(res webtest.Response, want ...catalog.Book) {
		t.Helper()
		for _, b := range []catalog.Book{onSale, paused, soldOut, ofPercy} {
			if slices.ContainsFunc(want, func(w catalog.Book) bool { return w.ID == b.ID }) {
				require.Contains(t, res.Body, b.Title)
			} else {
				require.NotContains(t, res.Body, b.Title)
			}
		}
	}

	t.Run("OnlyAdmins", func(t *testing.T) {
		require.Equal(t, http.StatusForbidden, env.Get(t, "/admin/listings", authtest.As(seller)...).StatusCode)
		require.Equal(t, http.StatusSeeOther, env.Get(t, "/admin/listings").StatusCode, "to sign in")
		require.Equal(t, http.StatusForbidden, env.Post(t, path(onSale.ID, "hide"), url.Values{"reason": {"x"}}, authtest.As(seller)...).StatusCode)
		require.Equal(t, http.StatusForbidden, env.Post(t, path(onSale.ID, "unhide"), nil, authtest.As(seller)...).StatusCode)
		require.Equal(t, http.StatusOK, env.Get(t, fmt.Sprintf("/books/%d", onSale.ID)).StatusCode, "nothing was hidden")
	})

	t.Run("Filters", func(t *testing.T) {
		shows(list(""), onSale, paused, soldOut, ofPercy)
		shows(list("?q=zauber"), onSale)
		shows(list("?q=KROGER"), soldOut)
		shows(list("?q=percy"), ofPercy)
		shows(list("?q=100%25"), ofPercy)
		shows(list("?q=_"), ofPercy)
		shows(list("?state=on_sale"), onSale, ofPercy)
		shows(list("?state=paused"), paused)
		shows(list("?state=sold_out"), soldOut)
		shows(list("?q=sally&state=on_sale"), onSale)
		res := list("?q=nothing+like+it")
		require.Contains(t, res.Body, "No listing matches")
		res = env.Get(t, "/admin/listings?state=lost", authtest.As(admin)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "is not a state a listing can be in")
	})

	t.Run("HideAndShowAgain", func(t *testing.T) {
		for name, reason := range map[string]string{"NoReason": "  ", "LongReason": strings.Repeat("r", 600)} {
			res := env.Post(t, path(paused.ID, "hide"), url.Values{"reason": {reason}, "next": {"/admin/listings?state=paused"}}, authtest.As(admin)...)
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, name)
			require.Contains(t, res.Body, `<details class="hide-form" open>`, name)
			require.Contains(t, res.Body, "Buddenbrooks", "the list as it was filtered")
			require.NotContains(t, res.Body, "Zauberberg", "the list as it was filtered")
		}
		require.Equal(t, http.StatusNotFound, env.Post(t, path(999_999, "hide"), url.Values{"reason": {"spam"}}, authtest.As(admin)...).StatusCode)

		res := env.Post(t, path(paused.ID, "hide"), url.Values{"reason": {"Photos are " + injection}, "next": {"/admin/listings?state=paused"}}, authtest.As(admin)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, "/admin/listings?state=paused", res.Header.Get("Location"))
		res = list("?state=paused")
		require.Contains(t, res.Body, fmt.Sprintf("Listing #%d is hidden", paused.ID), "the flash message")
		shows(res)
		res = list("?state=hidden")
		shows(res, paused)
		require.Contains(t, res.Body, "status-bad\">Hidden</strong>")
		require.Contains(t, res.Body, "Reason: <bdi>Photos are &lt;script&gt;")

		res = env.Get(t, "/my/listings", authtest.As(seller)...)
		require.Contains(t, res.Body, "Hidden by an administrator")

		res = env.Post(t, path(paused.ID, "unhide"), url.Values{"next": {"https://evil.example/admin/listings"}}, authtest.As(admin)...)
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, "/admin/listings", res.Header.Get("Location"), "never to another site")
		require.Contains(t, list("").Body, fmt.Sprintf("Listing #%d is no longer hidden; it stays out of the shop as its seller left it (paused).", paused.ID),
			"a paused listing is not back on sale")
		shows(list("?state=hidden"))
		shows(list("?state=paused"), paused)

		require.Equal(t, http.StatusSeeOther, env.Post(t, path(onSale.ID, "hide"), url.Values{"reason": {"spam"}}, authtest.As(admin)...).StatusCode)
		require.Equal(t, http.StatusNotFound, env.Get(t, fmt.Sprintf("/books/%d", onSale.ID)).StatusCode)
		require.Equal(t, http.StatusSeeOther, env.Post(t, path(onSale.ID, "unhide"), nil, authtest.As(admin)...).StatusCode)
		require.Contains(t, list("").Body, fmt.Sprintf("Listing #%d is back in the shop.", onSale.ID))
		require.Equal(t, http.StatusOK, env.Get(t, fmt.Sprintf("/books/%d", onSale.ID)).StatusCode)
	})
}

// multipartListing is the new-listing form as the browser sends it: the
// fields and n photos named p1.jpg, p2.jpg… in that order.
func multipartListing(t *testing.T, form url.Values, n int) (string, *bytes.Buffer) {
	t.Helper()
	var files []any
	for i := range n {
		files = append(files, fmt.Sprintf("p%d.jpg", i+1), catalogtest.JPEG(30+i, 40))
	}
	return catalogtest.MultipartPhotos(t, form, files...)
}

func TestPages_PhotosWithTheListing(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	t.Run("TwoPhotos", func(t *testing.T) {
		ct, body := multipartListing(t, validForm(), 2)
		id := listed(t, env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...))
		l, err := env.Svc.Listing(ctx, id)
		require.NoError(t, err)
		require.Len(t, l.Photos, 2)
		page := env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...)
		require.Contains(t, page.Body, "Your book is listed. 2 photos added.")
		require.Contains(t, page.Body, `data-max-files="4"`, "app.js refuses a choice of more photos than the listing has room for")
		require.Contains(t, env.Get(t, "/my/listings/new", authtest.As(seller)...).Body, `data-max-files="6"`)
	})
	t.Run("SevenPhotosSaysSixWereStored", func(t *testing.T) {
		ct, body := multipartListing(t, validForm(), service.MaxPhotos+1)
		id := listedOnceTold(t, env, env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...), authtest.As(seller), validForm(),
			"“\u2068p7.jpg\u2069” was not kept: a listing has at most 6 photos.")
		l, err := env.Svc.Listing(ctx, id)
		require.NoError(t, err)
		require.Len(t, l.Photos, service.MaxPhotos)
		page := env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...)
		require.Contains(t, page.Body, "Your book is listed. 6 photos added.")

		// The same on the edit page's upload, to a listing with none yet.
		bare := create(t, env, validForm())
		ct, body = multipartListing(t, nil, service.MaxPhotos+1)
		res := env.Send(t, http.MethodPost, fmt.Sprintf("/my/listings/%d/photos", bare), ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Contains(t, res.Body, "6 of 7 photos added; “\u2068p7.jpg\u2069” was not: a listing has at most 6 photos.")
		l, err = env.Svc.Listing(ctx, bare)
		require.NoError(t, err)
		require.Len(t, l.Photos, service.MaxPhotos)
	})
	t.Run("EmptyFormSaysWhatEachFieldNeeds", func(t *testing.T) {
		ct, body := multipartListing(t, url.Values{"copies": {"1"}, "condition": {"good"}, "language": {"en"}}, 1)
		res := env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		for _, want := range []string{"enter the title as printed on the cover", "enter the author", "enter the price in USD, like 12.50"} {
			require.Contains(t, res.Body, want)
		}
		require.Len(t, stagedTokens(res.Body), 1, "the photo sent is kept in the form that comes back")
		ct, body = multipartListing(t, url.Values{"copies": {"1"}}, 0)
		res = env.Send(t, http.MethodPost, "/my/listings", ct, body, authtest.As(seller)...)
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.NotContains(t, res.Body, "data-staged-photos", "no photo was sent")
	})
}

// Cards and the book's page show the standing orders pushed: the rating,
// its count and the sales, with a link to the seller's page.
func TestPages_SellerStanding(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	rated := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{SellerID: 81, SellerName: "Rhea", Title: "Rated Book"})
	unrated := catalogtest.CreateBook(ctx, t, env.Pool, &catalogtest.BookOpts{SellerID: 82, SellerName: "Nell", Title: "New Seller's Book"})
	require.NoError(t, env.Svc.SetSellerStats(ctx, catalog.SellerStats{SellerID: 81, Ratings: 2, RatingSum: 9, Sales: 3, Version: 1}))

	res := env.Get(t, fmt.Sprintf("/books/%d", rated.ID))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, `<a href="/sellers/81"><bdi>Rhea</bdi></a>`)
	require.Contains(t, res.Body, `4.5<span class="visually-hidden"> out of 5</span> (2 ratings)`)
	require.Contains(t, res.Body, "3 sales")
	res = env.Get(t, fmt.Sprintf("/books/%d", unrated.ID))
	require.Contains(t, res.Body, "no ratings yet")

	res = env.Get(t, "/books")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Body, `<a href="/sellers/81"><bdi>Rhea</bdi></a>`)
	require.Contains(t, res.Body, "4.5<span")
	require.Contains(t, res.Body, `<a href="/sellers/82"><bdi>Nell</bdi></a>`)
}

// TestPages_EditSoldOut: the edit form of a listing whose copies all sold
// shows 0 copies, and saving it as shown (a new description, a new price)
// works.
func TestPages_EditSoldOut(t *testing.T) {
	t.Parallel()
	env := catalogtest.NewServer(t)
	ctx := context.Background()
	form := validForm()
	form.Set("copies", "1")
	id := create(t, env, form)
	catalogtest.Hold(ctx, t, env.Svc, env.Pool, 1, id, 1)
	catalogtest.Sell(ctx, t, env.Svc, 1)
	res := env.Get(t, fmt.Sprintf("/my/listings/%d/edit", id), authtest.As(seller)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, []string{"0"}, webtest.HiddenValues(res.Body, "copies_base"))
	form.Set("copies", "0")
	form.Set("copies_base", "0")
	form.Set("price", "9.00")
	res = env.Post(t, fmt.Sprintf("/my/listings/%d", id), form, authtest.As(seller)...)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
	l, err := env.Svc.Listing(ctx, id)
	require.NoError(t, err)
	require.Equal(t, int64(900), l.PriceCents)
	require.Equal(t, catalogtest.Counts{Listed: 1, Sold: 1}, catalogtest.StockOf(ctx, t, env.Pool, id))
}
