-- One database per module of the split shop: no module can reach another's
-- tables, even by mistake. The postgres image runs this once, on a new volume.
CREATE DATABASE bookstore_auth;
CREATE DATABASE bookstore_catalog;
CREATE DATABASE bookstore_orders;
