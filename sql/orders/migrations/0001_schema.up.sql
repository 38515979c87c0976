-- orders owns this schema; no other module's SQL names it.
CREATE SCHEMA IF NOT EXISTS orders;
