package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
	"github.com/bookstore/bookstore/modules/orders/internal/jobs"
	"github.com/bookstore/bookstore/platform/mail"
)

// stepTopics are the email topics of each step, for the buyer and for the
// sellers; a step missing here, or an empty side, emails nobody: a
// listing in a placed order is not a sale until it is paid, a repeated
// payment is the buyer's own doing, and the seller does not hand the
// parcel over.
var stepTopics = map[string][2]auth.Topic{ // buyer, seller
	StepPlaced:        {auth.TopicOrderPlaced, ""},
	StepPaid:          {auth.TopicOrderPlaced, auth.TopicSalePaid},
	StepPaymentFailed: {auth.TopicOrderProblem, auth.TopicSaleCancelled},
	StepShipped:       {auth.TopicOrderShipped, ""},
	StepDelivered:     {auth.TopicOrderDelivered, auth.TopicSaleDelivered},
	StepCancelled:     {auth.TopicOrderProblem, auth.TopicSaleCancelled},
}

// emailStep writes the emails of an order's step, in the step's
// transaction, to the addresses the transition found: the buyer's about
// the order, the sellers' about the sale.
func (s *Service) emailStep(ctx context.Context, tx pgx.Tx, id int64, step, reason string, r dbsqlc.TransitionRow) error {
	msgs := stepMessages[step]
	write := func(to, msg, path string) error {
		body := "Hello,\n\n" + msg + "\n"
		if reason != "" {
			body += "Reason: " + reason + "\n"
		}
		body += "\n" + s.opts.Outbox.Link(path) + "\n\nChoose which emails you get: " + s.opts.Outbox.Link("/account/notifications") + "\n"
		_, err := s.opts.Outbox.Write(ctx, tx, mail.Message{Kind: "orders." + step, To: to, Subject: strings.TrimSuffix(msg, "."), Body: body})
		return err
	}
	for _, to := range r.BuyerEmails {
		if err := write(to, fmt.Sprintf(msgs[0], id), fmt.Sprintf("/orders/%d", id)); err != nil {
			return err
		}
	}
	for _, to := range r.SellerEmails {
		if err := write(to, fmt.Sprintf(msgs[1], id), "/my/sales"); err != nil {
			return err
		}
	}
	return nil
}

// recipientsCursor names the position in the accounts feed.
const recipientsCursor = "auth.user_changes"

// syncBatch is how many feed changes one transaction applies.
const syncBatch = 500

// SyncRecipients copies users' notification addresses and email choices
// from the accounts change feed into orders.recipients, from the stored
// cursor on. The feed may be another process, so it is read outside any
// transaction; then the batch and the cursor's move commit together, and
// the move is a compare-and-set from the position the batch was read
// after: of two runners one applies a batch, and a crash replays at most
// one batch (upserts are idempotent). It returns how many changes it
// applied.
func (s *Service) SyncRecipients(ctx context.Context, changes jobs.UserChangesFunc) (int, error) {
	total := 0
	for {
		from, err := s.q.GetCursor(ctx, s.pool, recipientsCursor)
		if err != nil {
			return total, fmt.Errorf("sync recipients: %w", err)
		}
		batch, err := changes(ctx, from, syncBatch)
		if err != nil {
			return total, fmt.Errorf("sync recipients: read user changes: %w", err)
		}
		if len(batch) == 0 {
			return total, nil
		}
		moved := false
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			to := from
			for _, c := range batch {
				to = max(to, c.Seq)
			}
			n, err := s.q.MoveCursor(ctx, tx, dbsqlc.MoveCursorParams{Name: recipientsCursor, Position: to, FromPosition: from})
			if err != nil || n == 0 {
				return err
			}
			for _, c := range batch {
				var email *string
				if a := c.User.NotifyAddress(); a != "" {
					email = &a
				}
				err := s.q.UpsertRecipient(ctx, tx, dbsqlc.UpsertRecipientParams{UserID: int64(c.User.ID), Email: email, EmailTopics: auth.TopicNames(c.User.EmailTopics)})
				if err != nil {
					return err
				}
			}
			moved = true
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("sync recipients: %w", err)
		}
		if moved {
			total += len(batch)
		}
		if moved && len(batch) < syncBatch {
			return total, nil
		}
	}
}
