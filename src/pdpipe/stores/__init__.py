"""Stores: engines, schema checks and chunked reads over SQLAlchemy Core."""
