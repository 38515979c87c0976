-- The W3C trace context of the charge that made each shipment, so the
-- carrier's batched rounds continue every order's trace into its shipping
-- steps ('' when the charge ran outside a traced request).
ALTER TABLE orders.shipments ADD COLUMN trace_parent text NOT NULL DEFAULT '';
