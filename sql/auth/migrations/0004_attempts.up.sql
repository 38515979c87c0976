-- Counters of sign-in, sign-up and password-check attempts, one row per key
-- and fixed window, shared by every replica so that a limit holds however
-- the load balancer spreads a client's requests. The key is a SHA-256 of
-- what is counted (an address, an account and an address, ...), so the
-- table holds no email or address in clear and every row has the same size.
-- A row is dead once its window has passed; a periodic job deletes dead rows,
-- so the table holds at most the keys seen in the last window or two.
CREATE TABLE auth.attempts (
    key_hash     bytea       PRIMARY KEY,
    window_start timestamptz NOT NULL,
    count        integer     NOT NULL CHECK (count > 0)
);

CREATE INDEX attempts_window_start_idx ON auth.attempts (window_start);
