-- name: Shipment :one
SELECT * FROM orders.shipments WHERE order_id = @order_id;

-- name: AdvanceDueShipments :many
-- The carrier's round, in one statement: it moves up to @max shipments
-- whose next step is due by @now one step each, records on the shipment's
-- row when it took the step (a step's time, once set, is kept), and makes
-- the step after due at @next_due (none after delivery). It takes only
-- shipments of orders in the state their step expects (paid before the
-- pick-up, shipped after); rows another round holds are left to it.
-- Shipments of orders that ended otherwise (cancelled before the pick-up)
-- stop being due.
--
-- Only the pick-up locks the order too, so that a cancel cannot slip
-- between the step and the order's transition (paid to shipped); an order
-- a cancel holds is left for the next round, which finds it cancelled or
-- still paid. A shipped order changes only by its shipment's next step,
-- which the shipment's lock gives to one round, so the later steps leave
-- the order's row alone: a lock is a WAL record and a dirtied page.
--
-- Each due shipment looks its order up by its key, in a sub-select the
-- planner cannot turn into a join: joined, the orders of a few hundred due
-- shipments were priced above a scan of every order ever placed, and each
-- round read the whole table twice (a bench round of 750 due shipments
-- read 52,000 orders in 50 to 110 ms, and more as the shop ages).
WITH due AS (
  SELECT s.order_id, s.step FROM orders.shipments s
  WHERE s.due_at <= @now::timestamptz
    AND (SELECT o.status FROM orders.orders o WHERE o.id = s.order_id)
      = CASE WHEN s.step = 'label_created' THEN 'paid' ELSE 'shipped' END
  ORDER BY s.due_at LIMIT @max
  FOR UPDATE OF s SKIP LOCKED
), picked AS (
  SELECT k.id FROM due CROSS JOIN LATERAL (
    SELECT o.id FROM orders.orders o WHERE o.id = due.order_id AND o.status = 'paid'
    FOR UPDATE SKIP LOCKED) k
  WHERE due.step = 'label_created'
), sh AS (
  UPDATE orders.shipments s SET
    step = CASE due.step WHEN 'label_created' THEN 'picked_up' WHEN 'picked_up' THEN 'in_transit'
      WHEN 'in_transit' THEN 'out_for_delivery' ELSE 'delivered' END,
    due_at = CASE WHEN due.step = 'out_for_delivery' THEN NULL ELSE @next_due::timestamptz END,
    picked_up_at = coalesce(s.picked_up_at, CASE WHEN due.step = 'label_created' THEN now() END),
    in_transit_at = coalesce(s.in_transit_at, CASE WHEN due.step = 'picked_up' THEN now() END),
    out_for_delivery_at = coalesce(s.out_for_delivery_at, CASE WHEN due.step = 'in_transit' THEN now() END),
    delivered_at = coalesce(s.delivered_at, CASE WHEN due.step = 'out_for_delivery' THEN now() END)
  FROM due WHERE s.order_id = due.order_id AND (due.step <> 'label_created' OR due.order_id IN (SELECT id FROM picked))
  RETURNING s.order_id, s.step, s.trace_parent
), ended AS (
  UPDATE orders.shipments s SET due_at = NULL
  WHERE s.due_at <= @now::timestamptz
    AND (SELECT o.status FROM orders.orders o WHERE o.id = s.order_id) NOT IN ('paid', 'shipped')
)
SELECT order_id, step, trace_parent FROM sh ORDER BY order_id;

-- name: ShipmentDue :one
-- Whether a carrier round has a step to take (or a stopped shipment to
-- clear): the first entry of shipments_due_idx, so that an idle shop
-- queues no rounds.
SELECT EXISTS (SELECT 1 FROM orders.shipments WHERE due_at <= @now::timestamptz);
