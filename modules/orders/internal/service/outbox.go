package service

import (
	"context"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/platform/mail"
)

// OutboxPage is how many emails the Outbox page shows at once.
const OutboxPage = 30

// Outbox lists every module's emails, newest first, for admins: on a shop
// without an SMTP server they are the only way to read a verification or
// password-reset link. In a split shop each module's outbox is asked over
// its internal endpoint.
func (s *Service) Outbox(ctx context.Context, user auth.User, before *mail.Cursor) (mail.Page, error) {
	if !user.IsAdmin() {
		return mail.Page{}, auth.ErrForbidden
	}
	return mail.ListAll(ctx, s.boxes, before, OutboxPage), nil
}
