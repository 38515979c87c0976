-- A shipment's timeline lives on its row, a timestamp per step (the label
-- is created with the shipment, at created_at), so a carrier step is one
-- update of the row it changes anyway, rather than that update and a row
-- of shipment_events (a heap row, a primary-key entry and a foreign-key
-- check on shipments per step). A step's time is NULL until it happens.
ALTER TABLE orders.shipments
    ADD COLUMN picked_up_at        timestamptz,
    ADD COLUMN in_transit_at       timestamptz,
    ADD COLUMN out_for_delivery_at timestamptz,
    ADD COLUMN delivered_at        timestamptz;

-- The steps recorded before this migration, each at the time it was
-- recorded. Replicas still running the code before it write to the table
-- it drops and fail: deploy one version at a time.
UPDATE orders.shipments s SET
    created_at          = coalesce(e.label_created, s.created_at),
    picked_up_at        = e.picked_up,
    in_transit_at       = e.in_transit,
    out_for_delivery_at = e.out_for_delivery,
    delivered_at        = e.delivered
FROM (
    SELECT order_id,
        max(at) FILTER (WHERE step = 'label_created') AS label_created,
        max(at) FILTER (WHERE step = 'picked_up') AS picked_up,
        max(at) FILTER (WHERE step = 'in_transit') AS in_transit,
        max(at) FILTER (WHERE step = 'out_for_delivery') AS out_for_delivery,
        max(at) FILTER (WHERE step = 'delivered') AS delivered
    FROM orders.shipment_events GROUP BY order_id
) e
WHERE e.order_id = s.order_id;

DROP TABLE orders.shipment_events;
