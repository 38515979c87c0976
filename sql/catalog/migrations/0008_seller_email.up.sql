-- Where a user's want alerts go, copied from the accounts feed with the
-- rest of the row (catalog.sellers holds every user the feed names, buyers
-- too): the address only while it is confirmed and the account enabled
-- (auth.User.NotifyAddress), and the email topics the user chose. The
-- matching job reads them in its own transaction, so an alert's email is
-- written with its match or not at all, without a call to accounts.
ALTER TABLE catalog.sellers ADD COLUMN email text, ADD COLUMN email_topics text[] NOT NULL DEFAULT '{}';
