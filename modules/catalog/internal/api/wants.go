package api

import (
	"net/http"
	"strconv"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// Want is a want in JSON: isbn or words, never both.
type Want struct {
	ID            int64             `json:"id"`
	ISBN          *string           `json:"isbn"`
	Words         *string           `json:"words"`
	MaxPriceCents int64             `json:"max_price_cents"`
	MinCondition  catalog.Condition `json:"min_condition"`
	Email         bool              `json:"email"`
	Matches       int               `json:"matches"`
	CreatedAt     string            `json:"created_at"`
}

func wantJSON(w service.Want) Want {
	out := Want{ID: w.ID, MaxPriceCents: w.MaxPriceCents, MinCondition: w.MinCondition, Email: w.Email,
		Matches: w.Matches, CreatedAt: w.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
	if w.ISBN != "" {
		isbn := w.ISBN
		out.ISBN = &isbn
	} else {
		words := w.Words
		out.Words = &words
	}
	return out
}

// WantInput is the writable fields of a want; PATCH sends any subset.
type WantInput struct {
	ISBN          *string            `json:"isbn"`
	Words         *string            `json:"words" maxLength:"200"`
	MaxPriceCents *int64             `json:"max_price_cents"`
	MinCondition  *catalog.Condition `json:"min_condition"`
	Email         *bool              `json:"email"`
}

func (b WantInput) edit() service.WantEdit {
	return service.WantEdit{ISBN: b.ISBN, Words: b.Words, MaxPriceCents: b.MaxPriceCents, MinCondition: b.MinCondition, Email: b.Email}
}

// WantMatch is a listing that met a want, as it is now.
type WantMatch struct {
	WantID            int64             `json:"want_id"`
	BookID            catalog.BookID    `json:"book_id"`
	Title             string            `json:"title"`
	Author            string            `json:"author"`
	Condition         catalog.Condition `json:"condition"`
	PriceCents        int64             `json:"price_cents"`
	MatchedPriceCents int64             `json:"matched_price_cents"`
	Buyable           bool              `json:"buyable"`
	Seen              bool              `json:"seen"`
	CreatedAt         string            `json:"created_at"`
}

func (h *handler) myWants(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	wants, err := h.svc.Wants(r.Context(), u)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := make([]Want, 0, len(wants))
	for _, x := range wants {
		out = append(out, wantJSON(x))
	}
	web.JSON(w, http.StatusOK, map[string]any{"wants": out, "max_wants": service.MaxWants})
}

func (h *handler) createWant(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body WantInput
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	in := service.WantInput{}
	body.edit().Apply(&in)
	want, err := h.svc.CreateWant(r.Context(), u, in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/me/wants/"+strconv.FormatInt(want.ID, 10))
	web.JSON(w, http.StatusCreated, wantJSON(want))
}

// ownWant loads one of the signed-in user's wants; anyone else's is 404.
func (h *handler) ownWant(r *http.Request) (auth.User, service.Want, error) {
	id, err := web.PathID(r, "id", service.ErrWantNotFound)
	if err != nil {
		return auth.User{}, service.Want{}, err
	}
	return h.svc.SignedInWant(r.Context(), id)
}

func (h *handler) getWant(w http.ResponseWriter, r *http.Request) {
	_, want, err := h.ownWant(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, wantJSON(want))
}

func (h *handler) patchWant(w http.ResponseWriter, r *http.Request) {
	u, want, err := h.ownWant(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var body WantInput
	if err := web.DecodeJSON(w, r, &body); err != nil {
		web.Error(w, r, err)
		return
	}
	if want, err = h.svc.UpdateWant(r.Context(), u, want.ID, body.edit()); err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, wantJSON(want))
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
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) myWantMatches(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	n := view.PageParam(r.URL.Query())
	matches, hasNext, err := h.svc.WantMatches(r.Context(), u, n, 50)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	unseen, err := h.svc.WantAlerts(r.Context(), u.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := make([]WantMatch, 0, len(matches))
	for _, m := range matches {
		out = append(out, WantMatch{WantID: m.WantID, BookID: m.BookID, Title: m.Title, Author: m.Author, Condition: m.Condition,
			PriceCents: m.PriceCents, MatchedPriceCents: m.MatchedPriceCents, Buyable: m.Buyable, Seen: m.Seen,
			CreatedAt: m.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")})
	}
	body := map[string]any{"matches": out, "page": n, "next_page": nil, "unseen": unseen}
	if hasNext {
		body["next_page"] = n + 1
	}
	web.JSON(w, http.StatusOK, body)
}

func (h *handler) markWantMatchesSeen(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.svc.MarkWantMatchesSeen(r.Context(), u); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
