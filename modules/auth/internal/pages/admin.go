package pages

import (
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/internal/httpauth"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// UsersPerPage is the length of a page of the users list.
const UsersPerPage = 25

func (h *handler) adminIndex(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "admin", "Admin", nil)
}

// usersPage is the users list's data.
type usersPage struct {
	Query string
	Users []auth.User
	Pager view.Pager
	Self  auth.UserID
}

func (h *handler) listUsers(w http.ResponseWriter, r *http.Request) {
	actor, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	page := view.PageParam(r.URL.Query())
	users, hasNext, err := h.svc.ListUsers(r.Context(), actor, q, page, UsersPerPage)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_users", "Users", usersPage{
		Query: q, Users: users, Pager: view.NewPager(r.URL, page, hasNext), Self: actor.ID,
	})
}

func (h *handler) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := auth.RequireUser(r.Context())
		if err == nil {
			err = web.ParseForm(r)
		}
		if err != nil {
			web.Error(w, r, err)
			return
		}
		id, err := web.PathID(r, "id", auth.ErrNotFound)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		u, err := h.svc.SetDisabled(r.Context(), actor, auth.UserID(id), disabled)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		msg := u.Email + " is enabled again."
		if disabled {
			msg = u.Email + " is disabled and signed out everywhere."
		}
		view.SetFlash(w, "success", msg)
		next := httpauth.SafeNext(r.PostForm.Get("next"))
		if next == "/" {
			next = "/admin/users"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}
