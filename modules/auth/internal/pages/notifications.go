package pages

import (
	"net/http"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/view"
	"github.com/bookstore/bookstore/platform/web"
)

// topicGroup is one fieldset of the email settings.
type topicGroup struct {
	Legend string
	Topics []topicChoice
}

// topicChoice is one checkbox of the email settings.
type topicChoice struct {
	Topic  auth.Topic
	Label  string
	Chosen bool
}

// topicGroups are the settings' fieldsets, every auth.Topic once.
var topicGroups = []struct {
	legend string
	topics []auth.Topic
	labels []string
}{
	{"Your orders", []auth.Topic{auth.TopicOrderPlaced, auth.TopicOrderShipped, auth.TopicOrderDelivered, auth.TopicOrderProblem},
		[]string{"Placed and paid", "Shipped", "Delivered", "Cancelled, or the payment failed"}},
	{"Your sales", []auth.Topic{auth.TopicSalePaid, auth.TopicSaleCancelled, auth.TopicSaleDelivered},
		[]string{"A sale is paid and its books go out", "A sale is cancelled, or its payment failed", "A sale is delivered"}},
	{"Your want list", []auth.Topic{auth.TopicWantMatch},
		[]string{"A book I want is on sale (for the wants whose own email box is ticked)"}},
}

// notificationsPage is the email settings' data.
type notificationsPage struct {
	User   auth.User
	Groups []topicGroup
}

func newNotificationsPage(u auth.User) notificationsPage {
	p := notificationsPage{User: u}
	for _, g := range topicGroups {
		tg := topicGroup{Legend: g.legend}
		for i, t := range g.topics {
			tg.Topics = append(tg.Topics, topicChoice{Topic: t, Label: g.labels[i], Chosen: u.Chooses(t)})
		}
		p.Groups = append(p.Groups, tg)
	}
	return p
}

func (h *handler) notifications(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.Render(w, r, http.StatusOK, view.Page{Title: "Email notifications", Body: notificationsView(newNotificationsPage(u))})
}

// setNotifications saves the settings form, which lists every topic: a box
// left unticked is a topic dropped.
func (h *handler) setNotifications(w http.ResponseWriter, r *http.Request) {
	u, err := auth.RequireUser(r.Context())
	if err == nil {
		err = web.ParseForm(r)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	edit := make(map[auth.Topic]bool, len(auth.Topics))
	for _, t := range auth.Topics {
		edit[t] = r.PostForm.Get(string(t)) != ""
	}
	if _, err := h.svc.SetEmailTopics(r.Context(), u.ID, edit); err != nil {
		web.Error(w, r, err)
		return
	}
	web.Redirect(w, r, "success", "Your email choices are saved.", "/account/notifications")
}
