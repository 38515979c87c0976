-- What orders needs of each user to email them about their orders and
-- sales, copied from the accounts change feed (auth.Service.UserChanges)
-- by the periodic job orders.sync_recipients: the address only while it is
-- confirmed and the account enabled (auth.User.NotifyAddress), and the
-- email topics the user chose. A step's transition reads it in the very
-- statement that writes its notifications, so the email is written in the
-- step's transaction, and a step whose users chose no email costs nothing
-- more. A user the feed has not brought yet gets no email.
CREATE TABLE orders.recipients (
    user_id      bigint PRIMARY KEY,
    email        text,
    email_topics text[] NOT NULL DEFAULT '{}'
);

-- How far orders has read the feeds it follows.
CREATE TABLE orders.cursors (
    name     text PRIMARY KEY,
    position bigint NOT NULL
);
