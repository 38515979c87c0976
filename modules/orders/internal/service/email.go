package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfeed"
	"github.com/bookstore/bookstore/modules/orders/internal/dbsqlc"
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

// stepEmails are the addresses a transition found for an order's step,
// and the notifications it wrote to the buyer and the sellers.
type stepEmails struct {
	buyer, sellers        []string
	buyerNote, sellerNote string
}

// emailStep writes the emails of an order's step, in the step's
// transaction, to the addresses the transition found: the buyer's about
// the order, the sellers' about the sale; an attempt's step (a payment
// that failed again) is emailed as its step is. An email says what the
// notification says, under the step's own words as its subject; the
// reason follows, unless the notification does not open with the step's
// usual words (a person's cancel, cancelMessages), which says it already.
func (s *Service) emailStep(ctx context.Context, tx pgx.Tx, id int64, step, reason string, to stepEmails) error {
	step = stepOf(step)
	msgs := stepMessages[step]
	write := func(to, subject, note, path string) error {
		body := "Hello,\n\n" + note + "\n"
		if reason != "" && strings.HasPrefix(note, subject) {
			body += "Reason: " + reason + "\n"
		}
		body += "\n" + s.opts.Outbox.Link(path) + "\n\nChoose which emails you get: " + s.opts.Outbox.Link("/account/notifications") + "\n"
		_, err := s.opts.Outbox.Write(ctx, tx, mail.Message{Kind: "orders." + step, To: to, Subject: strings.TrimSuffix(subject, "."), Body: body})
		return err
	}
	for _, addr := range to.buyer {
		if err := write(addr, fmt.Sprintf(msgs[0], id), to.buyerNote, fmt.Sprintf("/orders/%d", id)); err != nil {
			return err
		}
	}
	for _, addr := range to.sellers {
		if err := write(addr, fmt.Sprintf(msgs[1], id), to.sellerNote, "/my/sales"); err != nil {
			return err
		}
	}
	return nil
}

// recipientsCursor names the position in the accounts feed.
const recipientsCursor = "auth.user_changes"

// SyncRecipients copies users' notification addresses and email choices
// from the accounts change feed into orders.recipients (see authfeed for
// why runners and crashes are safe). It returns how many changes it
// applied.
func (s *Service) SyncRecipients(ctx context.Context, changes authfeed.ChangesFunc) (int, error) {
	n, err := s.recipients().Follow(ctx, changes)
	if err != nil {
		return n, fmt.Errorf("sync recipients: %w", err)
	}
	return n, nil
}

// RecipientsBehind reports whether the accounts feed holds a change that
// SyncRecipients has not copied.
func (s *Service) RecipientsBehind(ctx context.Context, changes authfeed.ChangesFunc) (bool, error) {
	behind, err := s.recipients().Behind(ctx, changes)
	if err != nil {
		return false, fmt.Errorf("recipients behind: %w", err)
	}
	return behind, nil
}

// recipients is orders.recipients' side of the accounts feed.
func (s *Service) recipients() authfeed.Copy {
	return authfeed.Copy{
		Pool:         s.pool,
		PositionFunc: func(ctx context.Context) (int64, error) { return s.q.GetCursor(ctx, s.pool, recipientsCursor) },
		MoveFunc: func(ctx context.Context, tx pgx.Tx, from, to int64) (bool, error) {
			n, err := s.q.MoveCursor(ctx, tx, dbsqlc.MoveCursorParams{Name: recipientsCursor, Position: to, FromPosition: from})
			return n == 1, err
		},
		ApplyFunc: func(ctx context.Context, tx pgx.Tx, c auth.UserChange) error {
			var email *string
			if a := c.User.NotifyAddress(); a != "" {
				email = &a
			}
			return s.q.UpsertRecipient(ctx, tx, dbsqlc.UpsertRecipientParams{UserID: int64(c.User.ID), Email: email, EmailTopics: auth.TopicNames(c.User.EmailTopics)})
		},
	}
}
