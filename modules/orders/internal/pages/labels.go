package pages

import (
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/riverqueue/river/rivertype"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/text"
	"github.com/bookstore/bookstore/platform/view"
)

func bookURL(id catalog.BookID) templ.SafeURL { return templ.SafeURL("/books/" + view.Itoa(id)) }

func orderURL(id int64) templ.SafeURL { return templ.SafeURL("/orders/" + view.Itoa(id)) }

// final reports a state the order never leaves, where its page stops
// refreshing itself.
func final(s orders.Status) bool {
	return s == orders.StatusDelivered || s == orders.StatusPaymentFailed || s == orders.StatusCancelled
}

// statusTone colours a state: green when it went well, red when it did
// not, amber while it is under way.
func statusTone(s orders.Status) view.Tone {
	switch s {
	case orders.StatusPaid, orders.StatusShipped, orders.StatusDelivered:
		return view.ToneOK
	case orders.StatusPaymentFailed, orders.StatusCancelled:
		return view.ToneBad
	}
	return view.ToneWaiting
}

// stateMessage says in one sentence where the order is and what happens
// next, for the buyer or for a seller of its lines.
func stateMessage(o service.Order, buyer bool) string {
	switch o.Status {
	case orders.StatusPending:
		return "We are reserving the books."
	case orders.StatusAwaitingPayment:
		if o.Payment.Method == orders.MethodBankTransfer {
			return "Waiting for the bank to confirm the transfer; the books are held until then."
		}
		return "Taking the payment; the books are held."
	case orders.StatusPaid:
		if buyer {
			return "Paid, thank you. The seller is preparing the shipment."
		}
		return "Paid. Ship the books to the address below."
	case orders.StatusShipped:
		return "On its way with " + o.DeliveryProvider + "."
	case orders.StatusDelivered:
		return "Delivered."
	case orders.StatusPaymentFailed:
		why := o.Payment.FailureReason
		if why == "" {
			why = o.Reason
		}
		msg := "The payment did not go through"
		if why != "" {
			msg += ": " + why
		}
		if o.Payment.RetryUntil == nil {
			return msg + ". Nothing was charged and the books are back on sale."
		}
		if buyer {
			return msg + ". Nothing was charged; the books are still held for you, so you can pay another way below."
		}
		// The page says until when after it (sellerHold), as a <time>.
		return msg + ". Nothing was charged."
	case orders.StatusCancelled:
		msg := "Cancelled"
		if o.Reason != "" {
			msg += ": " + o.Reason
		}
		return msg + ". Any payment is refunded."
	}
	return ""
}

// sellerHold is the deadline until which o's copies stay held while its
// buyer may pay another way, for the page that a seller (or an admin) of
// o sees; nil otherwise, the buyer's page saying it beside the payment
// form.
func sellerHold(o service.Order, buyer bool) *time.Time {
	if buyer || o.Status != orders.StatusPaymentFailed {
		return nil
	}
	return o.Payment.RetryUntil
}

// shopCancelWarning says what the shop's cancel of o does, before an
// admin sends it.
func shopCancelWarning(o service.Order) string {
	msg := "The order is cancelled at once"
	if o.Status == orders.StatusPaid {
		msg += ", its payment of " + view.Money(o.TotalCents) + " is refunded to the buyer"
	}
	return msg + ", its books go back on sale, and its buyer and every seller are told your reason."
}

// statusOptions are the states an admin can filter orders by.
var statusOptions = func() []view.Option {
	out := make([]view.Option, len(service.Statuses))
	for i, s := range service.Statuses {
		out[i] = view.Option{Value: string(s), Label: view.Label(s)}
	}
	return out
}()

// jobStateOptions are what an admin can filter jobs by: failed ones (the
// page's first use), then each of River's states in the order a job moves.
var jobStateOptions = func() []view.Option {
	out := []view.Option{{Value: riverfx.StateFailed, Label: "Failed (retryable or discarded)"}}
	for _, s := range riverfx.JobStates {
		out = append(out, view.Option{Value: string(s), Label: view.Label(s)})
	}
	return out
}()

// jobTone colours a job's state: red when an attempt failed, green when
// done, amber while waiting or running.
func jobTone(state string) view.Tone {
	switch rivertype.JobState(state) {
	case rivertype.JobStateCompleted:
		return view.ToneOK
	case rivertype.JobStateRetryable, rivertype.JobStateDiscarded:
		return view.ToneBad
	case rivertype.JobStateCancelled:
		return view.ToneNeutral
	}
	return view.ToneWaiting
}

// jobWhen says when a waiting job runs next or when a finished one ended:
// the words before the moment, "" when neither.
func jobWhen(j riverfx.Job) (string, time.Time) {
	switch {
	case j.FinalizedAt != nil:
		return "ended ", *j.FinalizedAt
	case j.State == string(rivertype.JobStateScheduled) || j.State == string(rivertype.JobStateRetryable):
		return "runs ", j.ScheduledAt
	}
	return "", time.Time{}
}

// jobKindURL lists the jobs of one kind, in the state already chosen.
func jobKindURL(f riverfx.JobFilter, kind string) string {
	q := url.Values{"kind": {kind}}
	if f.State != "" {
		q.Set("state", f.State)
	}
	return adminJobsPath + "?" + q.Encode()
}

var coverageOptions = []view.Option{{Value: "national", Label: "National"}, {Value: "international", Label: "International"}}

// countries are the destinations the checkout offers, by ISO code.
var countries = []view.Option{
	{Value: "AR", Label: "Argentina"}, {Value: "AU", Label: "Australia"}, {Value: "AT", Label: "Austria"},
	{Value: "BE", Label: "Belgium"}, {Value: "BO", Label: "Bolivia"}, {Value: "BR", Label: "Brazil"},
	{Value: "CA", Label: "Canada"}, {Value: "CL", Label: "Chile"}, {Value: "CN", Label: "China"},
	{Value: "CO", Label: "Colombia"}, {Value: "CR", Label: "Costa Rica"}, {Value: "CU", Label: "Cuba"},
	{Value: "DK", Label: "Denmark"}, {Value: "DO", Label: "Dominican Republic"}, {Value: "EC", Label: "Ecuador"},
	{Value: "EG", Label: "Egypt"}, {Value: "SV", Label: "El Salvador"}, {Value: "FI", Label: "Finland"},
	{Value: "FR", Label: "France"}, {Value: "DE", Label: "Germany"}, {Value: "GR", Label: "Greece"},
	{Value: "GT", Label: "Guatemala"}, {Value: "HN", Label: "Honduras"}, {Value: "IN", Label: "India"},
	{Value: "IE", Label: "Ireland"}, {Value: "IL", Label: "Israel"}, {Value: "IT", Label: "Italy"},
	{Value: "JP", Label: "Japan"}, {Value: "MX", Label: "Mexico"}, {Value: "MA", Label: "Morocco"},
	{Value: "NL", Label: "Netherlands"}, {Value: "NZ", Label: "New Zealand"}, {Value: "NI", Label: "Nicaragua"},
	{Value: "NO", Label: "Norway"}, {Value: "PA", Label: "Panama"}, {Value: "PY", Label: "Paraguay"},
	{Value: "PE", Label: "Peru"}, {Value: "PL", Label: "Poland"}, {Value: "PT", Label: "Portugal"},
	{Value: "PR", Label: "Puerto Rico"}, {Value: "SA", Label: "Saudi Arabia"}, {Value: "ZA", Label: "South Africa"},
	{Value: "KR", Label: "South Korea"}, {Value: "ES", Label: "Spain"}, {Value: "SE", Label: "Sweden"},
	{Value: "CH", Label: "Switzerland"}, {Value: "TR", Label: "Turkey"}, {Value: "UA", Label: "Ukraine"},
	{Value: "AE", Label: "United Arab Emirates"}, {Value: "GB", Label: "United Kingdom"}, {Value: "US", Label: "United States"},
	{Value: "UY", Label: "Uruguay"}, {Value: "VE", Label: "Venezuela"},
}

// countryName is a country's name, or its code when the list lacks it.
func countryName(code string) string {
	for _, c := range countries {
		if c.Value == code {
			return c.Label
		}
	}
	return code
}

// countryOptions is the list with code added when it is missing (a saved
// address in a country the list lacks), so the select still shows it.
func countryOptions(code string) []view.Option {
	if countryName(code) != code || !text.IsCountryCode(code) {
		return countries
	}
	return append([]view.Option{{Value: code, Label: code}}, countries...)
}

// providerForm is one provider's fields on the admin page: as stored, or
// as typed with its errors when that provider's save failed.
type providerForm struct {
	ID       string
	Name     string
	Coverage string
	Cost     string
	Days     string
	Active   bool
	Errors   map[string]string
}

// newProviderID is the id of the provider the adding form has not yet
// made; no stored provider has it.
const newProviderID = 0

// newProvider is the form that adds a provider: empty and offered at
// checkout, or as typed with its errors when adding it failed.
func (d providersData) newProvider() providerForm {
	if d.EditID == newProviderID && len(d.Errors) > 0 {
		return providerForm{ID: "new", Name: d.Form.Name, Coverage: d.Form.Coverage, Cost: d.Cost, Days: d.Days, Active: d.Form.Active, Errors: d.Errors}
	}
	return providerForm{ID: "new", Active: true}
}

func (d providersData) forProvider(p service.Provider) providerForm {
	if p.ID == d.EditID {
		return providerForm{ID: view.Itoa(p.ID), Name: d.Form.Name, Coverage: d.Form.Coverage, Cost: d.Cost,
			Days: d.Days, Active: d.Form.Active, Errors: d.Errors}
	}
	return providerForm{ID: view.Itoa(p.ID), Name: p.Name, Coverage: p.Coverage, Cost: text.MoneyInput(p.CostCents),
		Days: strconv.Itoa(p.Days), Active: p.Active}
}

// actionLabels say what an admin did, in the activity log's words.
var actionLabels = map[activity.Action]string{
	activity.UserDisable:     "Disabled an account",
	activity.UserEnable:      "Enabled an account",
	activity.UserPromote:     "Made an account an admin",
	activity.UserDemote:      "Took an admin's rights away",
	activity.UserChangeEmail: "Changed their own email address",
	activity.ListingHide:     "Hid a listing",
	activity.ListingUnhide:   "Showed a listing again",
	activity.OrderCancel:     "Cancelled an order",
	activity.ReviewHide:      "Hid a review",
	activity.ReviewUnhide:    "Showed a review again",
	activity.ProviderAdd:     "Added a delivery provider",
	activity.ProviderEdit:    "Edited a delivery provider",
	activity.JobRetry:        "Retried a job",
	activity.JobCancel:       "Cancelled a job",
}

// actionLabel is a's label, or its code for an action without one.
func actionLabel(a activity.Action) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return string(a)
}

// actionOptions are the actions an admin can filter the log by.
var actionOptions = func() []view.Option {
	out := make([]view.Option, len(activity.Actions))
	for i, a := range activity.Actions {
		out[i] = view.Option{Value: string(a), Label: actionLabel(a)}
	}
	return out
}()

// subjectLabel is an entry's subject as the page shows it: an account's
// address (auth labels a user so), or its old and new address, in the
// form it was typed (ShownAddress); its link searches by the label as
// stored.
func subjectLabel(e activity.Entry) string {
	if e.SubjectKind != "user" {
		return e.SubjectLabel
	}
	if addrs := activity.Addresses(e.SubjectLabel); len(addrs) == 2 {
		return activity.AddressChange(mail.ShownAddress(addrs[0]), mail.ShownAddress(addrs[1]))
	}
	return mail.ShownAddress(e.SubjectLabel)
}

// subjectURL is where an entry's subject is shown now, "" for none.
func subjectURL(e activity.Entry) string {
	id := view.Itoa(e.SubjectID)
	switch e.SubjectKind {
	case "user":
		// The account by its newest address.
		addrs := activity.Addresses(e.SubjectLabel)
		return "/admin/users?q=" + url.QueryEscape(addrs[len(addrs)-1])
	case "listing":
		return "/books/" + id
	case "order":
		return "/orders/" + id
	case "review":
		return "/admin/reviews"
	case "provider":
		return "/admin/providers"
	case "job":
		return "/admin/jobs"
	}
	return ""
}
