-- name: InsertShipment :execrows
INSERT INTO orders.shipments (order_id, provider, tracking_number, step)
VALUES (@order_id, @provider, @tracking_number, 'label_created')
ON CONFLICT (order_id) DO NOTHING;

-- name: Shipment :one
SELECT * FROM orders.shipments WHERE order_id = @order_id;

-- name: AdvanceShipment :execrows
UPDATE orders.shipments SET step = @to_step WHERE order_id = @order_id AND step = @from_step;

-- name: InsertShipmentEvent :exec
INSERT INTO orders.shipment_events (order_id, step) VALUES (@order_id, @step)
ON CONFLICT DO NOTHING;

-- name: ShipmentEvents :many
SELECT * FROM orders.shipment_events WHERE order_id = @order_id ORDER BY at, step;
