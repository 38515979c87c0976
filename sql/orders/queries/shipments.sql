-- name: InsertShipment :one
-- Hands a paid order to its provider (a tracking number made of the
-- provider's initials and @tracking_suffix) with the timeline's first event,
-- in one statement; 0 when the order is not paid or already has one.
WITH sh AS (
  INSERT INTO orders.shipments (order_id, provider, tracking_number, step)
  SELECT o.id, o.provider_name, upper(left(o.provider_name, 3)) || @tracking_suffix::text, 'label_created'
  FROM orders.orders o WHERE o.id = @order_id AND o.status = 'paid'
  ON CONFLICT (order_id) DO NOTHING
  RETURNING order_id
), ev AS (
  INSERT INTO orders.shipment_events (order_id, step) SELECT order_id, 'label_created' FROM sh
  ON CONFLICT DO NOTHING
)
SELECT count(*) FROM sh;

-- name: Shipment :one
SELECT * FROM orders.shipments WHERE order_id = @order_id;

-- name: AdvanceShipment :one
-- Moves a shipment of a paid or shipped order one step and records the
-- step's event, in one statement; 0 when it is no longer at @from_step or
-- its order was cancelled.
WITH sh AS (
  UPDATE orders.shipments s SET step = @to_step
  FROM orders.orders o
  WHERE s.order_id = @order_id AND s.step = @from_step AND o.id = s.order_id AND o.status IN ('paid', 'shipped')
  RETURNING s.order_id
), ev AS (
  INSERT INTO orders.shipment_events (order_id, step) SELECT order_id, @to_step FROM sh
  ON CONFLICT DO NOTHING
)
SELECT count(*) FROM sh;

-- name: ShipmentEvents :many
SELECT * FROM orders.shipment_events WHERE order_id = @order_id ORDER BY at, step;
