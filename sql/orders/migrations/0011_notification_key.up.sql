-- A notification is identified by its (order, step, user), the key that
-- already kept a retried step from writing it twice; the id is only its
-- place in a user's list (notifications_user_idx). A separate primary key
-- on the id was an index written with every notification, eight per order
-- over its life, and read by nothing.
ALTER TABLE orders.notifications DROP CONSTRAINT notifications_pkey;
ALTER TABLE orders.notifications DROP CONSTRAINT notifications_order_id_step_user_id_key;
ALTER TABLE orders.notifications ADD PRIMARY KEY (order_id, step, user_id);
