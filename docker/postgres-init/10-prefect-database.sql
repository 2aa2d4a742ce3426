-- Runs once, when the postgres service starts on an empty volume: the Prefect server's
-- own database, beside `pdpipe` (the demo's stores). Prefect creates its tables and the
-- pg_trgm extension itself on its first start.
CREATE DATABASE prefect;
