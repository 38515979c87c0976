package pages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/activity/activitytest"
	"github.com/bookstore/bookstore/platform/apidoc/apitest"
	"github.com/bookstore/bookstore/platform/mail"
	"github.com/bookstore/bookstore/platform/riverfx"
)

func TestPages_ActivityEmpty(t *testing.T) {
	t.Parallel()
	r := setup(t).c.Get(t, "/admin/activity", authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Contains(t, r.Body, "No admin has acted yet.")
}

// TestPages_Activity: the admin's Activity page and its API list every
// module's log, newest first, filter and page them; others are refused.
func TestPages_Activity(t *testing.T) {
	t.Parallel()
	t0 := time.Now().Add(-time.Hour)
	b := setup(t,
		activitytest.Log("auth",
			activity.Entry{ID: 2, At: t0.Add(3 * time.Minute), ActorName: activity.CommandLine.Name, Action: activity.UserPromote, SubjectKind: "user", SubjectID: 9, SubjectLabel: "ann@example.com"},
			activity.Entry{ID: 1, At: t0.Add(time.Minute), ActorName: "Admin", Action: activity.UserDisable, SubjectKind: "user", SubjectID: 8, SubjectLabel: "bob@example.com", Reason: "Sends spam"}),
		activitytest.Log("catalog",
			activity.Entry{ID: 1, At: t0.Add(2 * time.Minute), ActorName: "Admin", Action: activity.ListingHide, SubjectKind: "listing", SubjectID: 7, SubjectLabel: "Fake Dune", Reason: "Counterfeit copy"}))

	r := b.c.Post(t, "/admin/providers/3", url.Values{"name": {"Envia"}, "coverage": {"national"}, "cost": {"9.50"}, "days": {"2"}, "active": {"on"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)

	r = b.c.Get(t, "/admin/activity", authtest.As(&admin)...)
	require.Equal(t, http.StatusOK, r.StatusCode)
	// The table, after the filter's options.
	body := html.UnescapeString(r.Body[strings.Index(r.Body, "<table"):])
	at := func(s string) int {
		t.Helper()
		i := strings.Index(body, s)
		require.NotEqual(t, -1, i, "%q is listed", s)
		return i
	}
	require.IsIncreasing(t, []int{at("Edited a delivery provider"), at("Made an account an admin"), at("Hid a listing"), at("Disabled an account")}, "newest first, every module's")
	require.IsIncreasing(t, []int{at("Envia"), at("ann@example.com"), at("Fake Dune"), at("bob@example.com")})
	for _, s := range []string{"Counterfeit copy", "Sends spam", activity.CommandLine.Name, `href="/books/7"`, `href="/admin/users?q=bob%40example.com"`} {
		at(s)
	}

	r = b.c.Get(t, "/admin/activity?action=listing.hide", authtest.As(&admin)...)
	require.Contains(t, r.Body, "Fake Dune")
	require.NotContains(t, r.Body, "bob@example.com")
	require.Contains(t, r.Body, `<option value="listing.hide" selected>`, "the filter shows what it filters by")
	r = b.c.Get(t, "/admin/activity?q=BOB", authtest.As(&admin)...)
	require.Contains(t, r.Body, "bob@example.com")
	require.NotContains(t, r.Body, "Fake Dune")
	r = b.c.Get(t, "/admin/activity?q=nobody", authtest.As(&admin)...)
	require.Contains(t, r.Body, "No action matches.")
	r = b.c.Get(t, "/admin/activity?action=user.delete&q=x", authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, "choose one of the actions offered")
	require.Contains(t, r.Body, `name="q" type="text" value="x"`, "the filter keeps what the admin typed")
	r = b.c.Get(t, "/admin/activity?page=3", authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, "past the end of the list")

	require.Equal(t, http.StatusForbidden, b.c.Get(t, "/admin/activity", authtest.As(&buyer)...).StatusCode)
	require.Equal(t, http.StatusForbidden, b.c.JSON(t, http.MethodGet, "/api/v1/admin/activity", "", authtest.As(&buyer)...).StatusCode)
	require.Equal(t, http.StatusUnauthorized, b.c.JSON(t, http.MethodGet, "/api/v1/admin/activity", "").StatusCode)

	var got struct {
		Entries    []activity.Entry `json:"entries"`
		Unreadable []string         `json:"unreadable"`
	}
	list := func(query string) []string {
		t.Helper()
		r := b.c.JSON(t, http.MethodGet, "/api/v1/admin/activity"+query, "", authtest.As(&admin)...)
		require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
		require.NoError(t, json.Unmarshal([]byte(r.Body), &got))
		require.Empty(t, got.Unreadable)
		var out []string
		for _, e := range got.Entries {
			out = append(out, fmt.Sprintf("%s %s %s", e.Module, e.Action, e.SubjectLabel))
		}
		return out
	}
	require.Equal(t, []string{"orders provider.edit Envia", "auth user.promote ann@example.com", "catalog listing.hide Fake Dune", "auth user.disable bob@example.com"}, list(""))
	require.Equal(t, admin.Name, got.Entries[0].ActorName)
	require.Equal(t, int64(admin.ID), *got.Entries[0].ActorID)
	require.Nil(t, got.Entries[1].ActorID, "the command line has no account")
	require.Equal(t, "Counterfeit copy", got.Entries[2].Reason)
	require.Equal(t, []string{"auth user.promote ann@example.com", "catalog listing.hide Fake Dune"}, list("?limit=2&offset=1"))
	require.Equal(t, []string{"auth user.disable bob@example.com"}, list("?action=user.disable"))
	require.Equal(t, []string{"catalog listing.hide Fake Dune"}, list("?q=dune"))
	require.Empty(t, list("?q=nobody"))
	require.Equal(t, http.StatusUnprocessableEntity, b.c.JSON(t, http.MethodGet, "/api/v1/admin/activity?action=user.delete", "", authtest.As(&admin)...).StatusCode)
	require.Equal(t, []string{"catalog listing.hide Fake Dune"}, list("?q=%20dune%20"), "search words are trimmed")

	r = b.c.JSON(t, http.MethodGet, fmt.Sprintf("/api/v1/admin/activity?offset=%d&limit=1", activity.MaxListed), "", authtest.As(&admin)...)
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Contains(t, r.Body, `"fields":{"offset":`, "named by the API's parameter, not the page's")
	require.Contains(t, apitest.At(t, "/paths/~1api~1v1~1admin~1activity/get/parameters/1/description"), `"order #12"), any case; empty lists every entry`,
		"the whole description reaches the document (a # in a bare YAML value starts a comment)")
}

// failedJob is a payment's job that gave up, which the jobs page offers to
// retry.
func (b *bundle) failedJob(t *testing.T) int64 {
	t.Helper()
	var id int64
	require.NoError(t, b.pool.QueryRow(context.Background(), `INSERT INTO river.river_job (kind, args, state, finalized_at, max_attempts, attempt)
		VALUES ('orders.charge_payment', '{"order_id":42}', 'discarded', now(), 25, 25) RETURNING id`).Scan(&id))
	return id
}

// TestPages_ActivityJobs: a job's retry or cancel is listed by the job's
// kind as the jobs page shows it, so that the log tells a payment's job
// from a shipment's.
func TestPages_ActivityJobs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.failedJob(t)
	r := b.c.Post(t, fmt.Sprintf("/admin/jobs/local/%d/retry", id), nil, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	label := fmt.Sprintf("orders.charge_payment job #%d (local queue)", id)
	r = b.c.Get(t, "/admin/activity", authtest.As(&admin)...)
	require.Contains(t, html.UnescapeString(r.Body), "Retried a job")
	require.Contains(t, html.UnescapeString(r.Body), label)
	require.Contains(t, b.c.Get(t, "/admin/activity?q=charge_payment", authtest.As(&admin)...).Body, "Retried a job", "the kind is searched as the label's words")
	r = b.c.JSON(t, http.MethodGet, "/api/v1/admin/activity?action=job.retry", "", authtest.As(&admin)...)
	var got struct {
		Entries []activity.Entry `json:"entries"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.Body), &got))
	require.Len(t, got.Entries, 1)
	require.Equal(t, label, got.Entries[0].SubjectLabel)
}

// retryUnrecorded has the admin retry job id, whose entry the log
// refuses: the job runs again, the admin is told it did and that the log
// missed it, back on the list. It returns the shop's log.
func (b *bundle) retryUnrecorded(t *testing.T, id int64) string {
	t.Helper()
	r := b.c.Post(t, fmt.Sprintf("/admin/jobs/local/%d/retry", id), url.Values{"next": {"/admin/jobs?state=failed"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, "the job was retried: no error page for the admin to try again from")
	require.Equal(t, "/admin/jobs?state=failed", r.Header.Get("Location"))
	page := b.c.Get(t, r.Header.Get("Location"), append(authtest.As(&admin), "Cookie", flashOf(t, r))...).Body
	require.Contains(t, html.UnescapeString(page), "The job will run again shortly. But the activity log could not record it: the shop's log has the details.")
	var state string
	require.NoError(t, b.pool.QueryRow(context.Background(), "SELECT state FROM river.river_job WHERE id = $1", id).Scan(&state))
	require.Equal(t, "available", state)
	return b.logs.String()
}

// TestPages_JobActionUnrecorded: a job the queue retried or cancelled is
// reported done even when its entry could not be written, with that
// failure, which the shop's log holds in full.
func TestPages_JobActionUnrecorded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.failedJob(t)
	_, err := b.pool.Exec(ctx, "ALTER TABLE orders.admin_actions ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
	require.NoError(t, err)
	logs := b.retryUnrecorded(t, id)
	require.Contains(t, logs, `level=ERROR msg="admin's job action not recorded" request_id=`)
	require.Contains(t, logs, fmt.Sprintf("queue=local job=%d admin=%d", id, admin.ID))
	require.Contains(t, logs, fmt.Sprintf("record job.retry of job %d", id))
}

// TestPages_JobActionUnlabelled: a job the queue retried, but could not
// find afterwards to tell its kind, is reported done (not as a job not
// found) and recorded without its kind; the shop's log warns why.
func TestPages_JobActionUnlabelled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.failedJob(t)
	rc, err := riverfx.NewInserter(b.pool, nil)
	require.NoError(t, err)
	b.serve(t, service.Options{Queues: []riverfx.Queue{goneQueue{riverfx.NewLocalQueue(rc)}}})
	r := b.c.Post(t, fmt.Sprintf("/admin/jobs/local/%d/retry", id), url.Values{"next": {"/admin/jobs?state=failed"}}, authtest.As(&admin)...)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	page := b.c.Get(t, r.Header.Get("Location"), append(authtest.As(&admin), "Cookie", flashOf(t, r))...).Body
	require.Contains(t, html.UnescapeString(page), "The job will run again shortly.")
	require.NotContains(t, html.UnescapeString(page), "could not record")
	require.Contains(t, html.UnescapeString(b.c.Get(t, "/admin/activity", authtest.As(&admin)...).Body), fmt.Sprintf("job #%d (local queue)", id))
	logs := b.logs.String()
	require.Contains(t, logs, `level=WARN msg="admin's job action recorded without the job's kind" request_id=`)
	require.Contains(t, logs, fmt.Sprintf("queue=local job=%d", id))
	require.Contains(t, logs, fmt.Sprintf("job %d of the local queue: job not found", id))
}

// TestPages_JobActionUnrecordedAndUnlabelled: a job the queue retried,
// whose kind could not be read afterwards and whose entry could not be
// written either, is reported done with the entry's failure; the shop's
// log holds one ERROR that names both causes, not a WARN for the kind
// besides.
func TestPages_JobActionUnrecordedAndUnlabelled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := b.failedJob(t)
	rc, err := riverfx.NewInserter(b.pool, nil)
	require.NoError(t, err)
	b.serve(t, service.Options{Queues: []riverfx.Queue{goneQueue{riverfx.NewLocalQueue(rc)}}})
	_, err = b.pool.Exec(ctx, "ALTER TABLE orders.admin_actions ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
	require.NoError(t, err)
	logs := b.retryUnrecorded(t, id)
	require.Equal(t, 1, strings.Count(logs, "level=ERROR"), logs)
	require.NotContains(t, logs, "level=WARN", logs)
	i := strings.Index(logs, `level=ERROR msg="admin's job action not recorded" request_id=`)
	require.NotEqual(t, -1, i, logs)
	line, _, _ := strings.Cut(logs[i:], "\n")
	require.Contains(t, line, fmt.Sprintf("queue=local job=%d admin=%d", id, admin.ID))
	require.Contains(t, line, fmt.Sprintf("record job.retry of job %d", id), "the entry's cause")
	require.Contains(t, line, fmt.Sprintf("job %d of the local queue: job not found", id), "the kind's cause")
}

// goneQueue acts on its jobs but finds none afterwards, as if each were
// cleaned up between the two.
type goneQueue struct{ riverfx.Queue }

func (goneQueue) Get(context.Context, int64) (riverfx.Job, error) {
	return riverfx.Job{}, riverfx.ErrJobNotFound
}

// TestPages_InternationalAddressesAsTyped: an address auth stores with its
// domain's IDNA A-label is shown as typed on the admin's pages: an
// account acted on in the Activity log (whose link still searches by the
// stored form), both addresses of a member's own change of address (its
// link searching by the new one), and the recipient on the Outbox page.
func TestPages_InternationalAddressesAsTyped(t *testing.T) {
	t.Parallel()
	const typed, stored = "müller@bücher.example", "müller@xn--bcher-kva.example"
	const typedNew, storedNew = "anna@café.example", "anna@xn--caf-dma.example"
	ctx := context.Background()
	member := int64(8)
	b := setup(t, activitytest.Log("auth",
		activity.Entry{ID: 2, At: time.Now(), ActorID: &member, ActorName: "Müller", Action: activity.UserChangeEmail,
			SubjectKind: "user", SubjectID: 8, SubjectLabel: activity.AddressChange(stored, storedNew)},
		activity.Entry{ID: 1, At: time.Now().Add(-time.Minute), ActorName: "Admin", Action: activity.UserDisable,
			SubjectKind: "user", SubjectID: 8, SubjectLabel: stored, Reason: "Sends spam"}))
	page := html.UnescapeString(b.c.Get(t, "/admin/activity", authtest.As(&admin)...).Body)
	require.Contains(t, page, "<bdi>"+typed+"</bdi>")
	require.Contains(t, page, `href="/admin/users?q=`+url.QueryEscape(stored)+`"`)
	require.Contains(t, page, "Changed their own email address")
	require.Contains(t, page, `<a href="/admin/users?q=`+url.QueryEscape(storedNew)+`"><bdi>`+typed+` → `+typedNew+`</bdi></a>`)

	outbox := mail.NewOutbox(nil, "https://shop.example.com", false)
	tx, err := b.pool.Begin(ctx)
	require.NoError(t, err)
	_, err = outbox.Write(ctx, tx, mail.Message{Kind: "auth.password_reset", To: stored, Subject: "Reset", Body: "Choose a new password."})
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	page = b.c.Get(t, "/admin/outbox", authtest.As(&admin)...).Body
	require.Contains(t, page, `<td data-label="To">`+typed+`</td>`)
	require.NotContains(t, page, "xn--")
}
