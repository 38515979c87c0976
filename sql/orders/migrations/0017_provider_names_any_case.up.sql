-- A provider's name is unique without regard to case, as a user's email is
-- (users_email_key): buyers choose a provider by its name, and "dhl" beside
-- "DHL" would be two choices that read as one. The index keeps the old
-- constraint's name, which the service maps to the name field's message.
--
-- An admin could rename a provider so before this; such a name gets its id
-- appended, so the index can be built, and the provider with the lowest id
-- keeps its name. Orders keep the name they were placed with.
UPDATE orders.delivery_providers p
SET name = left(p.name, 100 - length(' (' || p.id || ')')) || ' (' || p.id || ')'
WHERE EXISTS (SELECT FROM orders.delivery_providers q WHERE lower(q.name) = lower(p.name) AND q.id < p.id);

ALTER TABLE orders.delivery_providers DROP CONSTRAINT delivery_providers_name_key;
CREATE UNIQUE INDEX delivery_providers_name_key ON orders.delivery_providers (lower(name));
