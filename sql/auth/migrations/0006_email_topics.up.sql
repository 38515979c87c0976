-- The notification emails each user chose (auth.Topic values, in Topics
-- order). The default is a new account's choice; auth.go says why these.
-- Existing accounts get it too: they never chose, and the shop sent them
-- nothing before, so they start where a new account does.
ALTER TABLE auth.users ADD COLUMN email_topics text[] NOT NULL
  DEFAULT '{order_placed,order_shipped,order_problem,sale_paid,sale_cancelled,want_match}';
