package pages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// wantForm holds a want form as typed, so an invalid one comes back with
// every value and one message per field.
type wantForm struct {
	ID           int64
	ISBN         string
	Words        string
	MaxPrice     string
	MinCondition string
	Email        bool
	Errors       map[string]string
}

func readWantForm(r *http.Request) wantForm {
	v := r.PostForm
	return wantForm{ISBN: v.Get("isbn"), Words: v.Get("words"), MaxPrice: v.Get("max_price"),
		MinCondition: v.Get("min_condition"), Email: v.Get("email") != "", Errors: map[string]string{}}
}

func wantFormOf(w service.Want) wantForm {
	return wantForm{ID: w.ID, ISBN: w.ISBN, Words: w.Words, MaxPrice: text.MoneyInput(w.MaxPriceCents),
		MinCondition: string(w.MinCondition), Email: w.Email, Errors: map[string]string{}}
}

// input converts the form, collecting the error of a price that is not
// an amount; the service judges the rest.
func (f *wantForm) input() service.WantInput {
	in := service.WantInput{ISBN: f.ISBN, Words: f.Words, MinCondition: catalog.Condition(f.MinCondition), Email: f.Email}
	if strings.TrimSpace(f.MaxPrice) == "" {
		f.Errors["max_price"] = "enter the most you would pay in USD, like 15.00"
	} else if p, err := text.ParseMoney(f.MaxPrice, text.DecimalPoint); err != nil && !errors.Is(err, text.ErrMoneyRange) {
		f.Errors["max_price"] = err.Error()
	} else {
		in.MaxPriceCents = p
	}
	return in
}

// wantInput converts the form; when the price is not an amount, the
// service judges the other fields all the same, so that every message
// shows at once. Its error is one that belongs to no field.
func (h *handler) wantInput(ctx context.Context, f *wantForm) (service.WantInput, error) {
	in := f.input()
	if len(f.Errors) == 0 {
		return in, nil
	}
	if err := h.svc.ValidateWant(ctx, in); err != nil && !mergeErrors(f.Errors, err) {
		return in, err
	}
	return in, nil
}

// wantsPage is the want list, its matches and the form to add a want.
type wantsPage struct {
	Wants    []service.Want
	Matches  []service.WantMatch
	Pager    view.Pager
	Form     wantForm
	MaxWants int
	MaxPrice string
}

func (h *handler) wantsPage(r *http.Request, u auth.User, f wantForm) (wantsPage, error) {
	page := view.PageParam(r.URL.Query())
	wants, err := h.svc.Wants(r.Context(), u)
	if err != nil {
		return wantsPage{}, err
	}
	matches, hasNext, err := h.svc.WantMatches(r.Context(), u, page, wantMatchesPerPage)
	if err != nil {
		return wantsPage{}, err
	}
	return wantsPage{Wants: wants, Matches: matches, Pager: view.NewPager(r.URL, page, hasNext), Form: f,
		MaxWants: service.MaxWants, MaxPrice: text.MoneyInput(h.svc.MaxPriceCents())}, nil
}

// wantMatchesPerPage is the number of matches a page shows.
const wantMatchesPerPage = 20

// myWants shows the wants and what matched, then marks the matches seen:
// the header's count is of matches the user has not looked at.
func (h *handler) myWants(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p, err := h.wantsPage(r, u, wantForm{MinCondition: string(catalog.ConditionGood), Email: true, Errors: map[string]string{}})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	lenOf := func(n int) (int, error) {
		matches, _, err := h.svc.WantMatches(r.Context(), u, n, wantMatchesPerPage)
		return len(matches), err
	}
	if web.PastTheEnd(w, r, "page", p.Pager.Page, len(p.Matches), lenOf) {
		return
	}
	if err := h.svc.MarkWantMatchesSeen(r.Context(), u); err != nil {
		web.Error(w, r, err)
		return
	}
	view.NavFrom(r.Context()).WantAlerts = 0
	render(w, r, http.StatusOK, "My wants", wantsView(p))
}

func (h *handler) createWant(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	f := readWantForm(r)
	in, err := h.wantInput(r.Context(), &f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if len(f.Errors) == 0 {
		want, err := h.svc.CreateWant(r.Context(), u, in)
		if err == nil {
			web.Redirect(w, r, "success", fmt.Sprintf("Saved: you will hear when %s is listed at %s or less.", want.Describe(), view.Money(want.MaxPriceCents)), "/my/wants")
			return
		}
		switch {
		case errors.Is(err, service.ErrTooManyWants):
			f.Errors["form"] = service.ErrTooManyWants.Message
		case !mergeErrors(f.Errors, err):
			web.Error(w, r, err)
			return
		}
	}
	p, err := h.wantsPage(r, u, f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	render(w, r, http.StatusUnprocessableEntity, "My wants", wantsView(p))
}

// ownWant loads one of the signed-in user's wants; anyone else's is not
// found.
func (h *handler) ownWant(r *http.Request) (auth.User, service.Want, error) {
	id, err := web.PathID(r, "id", service.ErrWantNotFound)
	if err != nil {
		return auth.User{}, service.Want{}, err
	}
	return h.svc.SignedInWant(r.Context(), id)
}

func (h *handler) editWantForm(w http.ResponseWriter, r *http.Request) {
	_, want, err := h.ownWant(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	render(w, r, http.StatusOK, "Edit want", wantEditView(wantFormOf(want), text.MoneyInput(h.svc.MaxPriceCents())))
}

func (h *handler) updateWant(w http.ResponseWriter, r *http.Request) {
	u, want, err := h.ownWant(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := web.ParseForm(r); err != nil {
		web.Error(w, r, err)
		return
	}
	f := readWantForm(r)
	f.ID = want.ID
	in, err := h.wantInput(r.Context(), &f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if len(f.Errors) == 0 {
		e := service.WantEdit{ISBN: &in.ISBN, Words: &in.Words, MaxPriceCents: &in.MaxPriceCents, MinCondition: &in.MinCondition, Email: &in.Email}
		_, err := h.svc.UpdateWant(r.Context(), u, want.ID, e)
		if err == nil {
			web.Redirect(w, r, "success", "Your want is saved.", "/my/wants")
			return
		}
		if !mergeErrors(f.Errors, err) {
			web.Error(w, r, err)
			return
		}
	}
	render(w, r, http.StatusUnprocessableEntity, "Edit want", wantEditView(f, text.MoneyInput(h.svc.MaxPriceCents())))
}

func (h *handler) deleteWant(w http.ResponseWriter, r *http.Request) {
	u, want, err := h.ownWant(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.DeleteWant(r.Context(), u, want.ID); err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "Deleted your want for "+want.Describe()+".", "/my/wants")
}

// WantAlertsMiddleware (after auth's) fills the header's count of new
// want matches, in every process: svc is the local service, or the
// remote client in a process of another module. A count it cannot read
// is logged and left out; the page is still worth serving.
func WantAlertsMiddleware(svc catalog.Service) web.Middleware {
	return web.Middleware{Order: 21, Func: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if u, ok := auth.UserFrom(ctx); ok && u.ID != 0 && web.HasHeader(r.URL.Path) {
				counting, cancel := context.WithTimeout(ctx, web.HeaderTimeout)
				n, err := svc.WantAlerts(counting, u.ID)
				cancel()
				if err != nil {
					web.Logger(ctx).Warn("count want alerts", "err", err)
				}
				view.NavFrom(ctx).WantAlerts = n
			}
			next.ServeHTTP(w, r)
		})
	}}
}

// wantQuery is the search that finds what is on sale for w now.
func wantQuery(w service.Want) string {
	if w.ISBN != "" {
		return url.QueryEscape(w.ISBN)
	}
	return url.QueryEscape(w.Words)
}
