"""Per-client rate limits kept in PostgreSQL, so they hold across server processes without Redis."""
