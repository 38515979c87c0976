-- Carts: one per signed-in user, or one per visitor cookie until its owner
-- signs in and the lines are merged.
CREATE TABLE orders.carts (
    id         bigserial PRIMARY KEY,
    user_id    bigint UNIQUE,
    visitor_id text UNIQUE CHECK (visitor_id IS NULL OR length(visitor_id) BETWEEN 16 AND 64),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (visitor_id IS NULL))
);

-- price_cents is the price the shopper saw when adding, so the cart can
-- flag a line whose price changed since.
CREATE TABLE orders.cart_items (
    cart_id     bigint NOT NULL REFERENCES orders.carts (id) ON DELETE CASCADE,
    book_id     bigint NOT NULL,
    quantity    integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, book_id)
);

-- The last shipping address a user checked out with, offered next time.
CREATE TABLE orders.addresses (
    user_id     bigint PRIMARY KEY,
    name        text NOT NULL,
    street      text NOT NULL,
    city        text NOT NULL,
    region      text NOT NULL,
    postal_code text NOT NULL,
    country     text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders.delivery_providers (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    coverage   text NOT NULL CHECK (coverage IN ('national', 'international')),
    cost_cents bigint NOT NULL CHECK (cost_cents >= 0),
    days       integer NOT NULL CHECK (days BETWEEN 1 AND 90),
    active     boolean NOT NULL DEFAULT true
);

-- The original shop's four providers.
INSERT INTO orders.delivery_providers (name, coverage, cost_cents, days) VALUES
    ('DHL', 'international', 2500, 5),
    ('FedEx', 'international', 2200, 6),
    ('Envia', 'national', 800, 3),
    ('Servientrega', 'national', 650, 4);

CREATE TABLE orders.orders (
    id              bigserial PRIMARY KEY,
    buyer_id        bigint NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN
        ('pending', 'awaiting_payment', 'paid', 'shipped', 'delivered', 'payment_failed', 'cancelled')),
    -- idempotency_key and request_hash make placement idempotent: a replay
    -- of the same key with another body is refused.
    idempotency_key text NOT NULL,
    request_hash    text NOT NULL,
    ship_name       text NOT NULL,
    ship_street     text NOT NULL,
    ship_city       text NOT NULL,
    ship_region     text NOT NULL,
    ship_postal     text NOT NULL,
    ship_country    text NOT NULL,
    provider_id     bigint NOT NULL,
    provider_name   text NOT NULL,
    subtotal_cents  bigint NOT NULL CHECK (subtotal_cents >= 0),
    delivery_cents  bigint NOT NULL CHECK (delivery_cents >= 0),
    total_cents     bigint NOT NULL CHECK (total_cents = subtotal_cents + delivery_cents),
    reason          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (buyer_id, idempotency_key)
);
CREATE INDEX orders_buyer_idx ON orders.orders (buyer_id, id DESC);
CREATE INDEX orders_status_idx ON orders.orders (status, updated_at);

-- A line keeps the book's id and a snapshot of its title and price; the
-- catalog's tables are never referenced.
CREATE TABLE orders.order_lines (
    order_id    bigint NOT NULL REFERENCES orders.orders (id) ON DELETE CASCADE,
    book_id     bigint NOT NULL,
    seller_id   bigint NOT NULL,
    title       text NOT NULL,
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    quantity    integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    PRIMARY KEY (order_id, book_id)
);
CREATE INDEX order_lines_seller_idx ON orders.order_lines (seller_id, order_id DESC);

-- One payment per order (the primary key), holding only the brand and last
-- four digits of a card, and the token the simulated processor issued.
CREATE TABLE orders.payments (
    order_id       bigint PRIMARY KEY REFERENCES orders.orders (id) ON DELETE CASCADE,
    method         text NOT NULL CHECK (method IN ('card', 'wallet', 'bank_transfer')),
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded')),
    brand          text NOT NULL DEFAULT '',
    last4          text NOT NULL DEFAULT '',
    token          text NOT NULL DEFAULT '',
    amount_cents   bigint NOT NULL CHECK (amount_cents >= 0),
    failure_reason text NOT NULL DEFAULT '',
    -- attempts counts calls to the simulated processor, which fails the
    -- first ones for one test card.
    attempts       integer NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- The simulated processor's ledger: what it charged. The primary key is the
-- idempotency key a real processor honours, so an order is charged at most
-- once whatever the retries.
CREATE TABLE orders.charges (
    order_id     bigint PRIMARY KEY REFERENCES orders.orders (id) ON DELETE CASCADE,
    amount_cents bigint NOT NULL,
    charged_at   timestamptz NOT NULL DEFAULT now(),
    refunded_at  timestamptz
);

CREATE TABLE orders.shipments (
    order_id        bigint PRIMARY KEY REFERENCES orders.orders (id) ON DELETE CASCADE,
    provider        text NOT NULL,
    tracking_number text NOT NULL UNIQUE,
    step            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders.shipment_events (
    order_id bigint NOT NULL REFERENCES orders.shipments (order_id) ON DELETE CASCADE,
    step     text NOT NULL CHECK (step IN ('label_created', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered')),
    at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, step)
);

-- One notification per (order, step, user), so a retried job cannot write
-- a second one.
CREATE TABLE orders.notifications (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL,
    order_id   bigint NOT NULL REFERENCES orders.orders (id) ON DELETE CASCADE,
    step       text NOT NULL,
    message    text NOT NULL,
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, step, user_id)
);
CREATE INDEX notifications_user_idx ON orders.notifications (user_id, id DESC);
