-- The simulated carrier moves every shipment whose next step is due in one
-- batch per round, rather than by a scheduled job per step: due_at is when
-- the next step happens, NULL once delivered or once its order ended
-- otherwise. Shipments on their way when this runs are due at once.
ALTER TABLE orders.shipments ADD COLUMN due_at timestamptz;
UPDATE orders.shipments SET due_at = now() WHERE step <> 'delivered';
CREATE INDEX shipments_due_idx ON orders.shipments (due_at) WHERE due_at IS NOT NULL;
