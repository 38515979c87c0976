-- A user's notifications are read up to a mark: those whose id is at most
-- read_up_to. Every signed-in page shows how many are unread; counted as
-- read_at IS NULL through notifications_user_idx, that read every
-- notification the user ever had, and a seller gets several per sale (3
-- unread after 20,000 read: 20,005 index entries per page, 40,005 until a
-- vacuum; now 3). Marking them read wrote a row version and its index
-- entries per notification; now it writes one row per user, and nothing
-- when the mark does not move. The count reads the entries past the mark
-- and stops at orders.UnreadCap, what the header can show.
--
-- The mark is the newest notification the user was shown, not the newest
-- there is, so one written while the page was on its way stays unread.
-- Ids are drawn when a notification is inserted and it commits a moment
-- later, so one whose transaction outlives a later one's and a page shown
-- in between is marked read unseen: a window of one saga step.
CREATE TABLE orders.notification_reads (
    user_id    bigint PRIMARY KEY,
    read_up_to bigint NOT NULL
);

-- A user's notifications were marked read all at once, so the read ones
-- are those up to the newest read then. One that committed after that
-- with a lower id (above) stayed unread; it stays so, at the price of
-- showing the read ones after it unread again. Users who read nothing
-- have no row. Replicas still running the code before this migration
-- read and write the column it drops and fail: deploy one version at a
-- time.
INSERT INTO orders.notification_reads (user_id, read_up_to)
SELECT user_id, coalesce(min(id) FILTER (WHERE read_at IS NULL) - 1, max(id))
FROM orders.notifications
GROUP BY user_id
HAVING bool_or(read_at IS NOT NULL);

ALTER TABLE orders.notifications DROP COLUMN read_at;
