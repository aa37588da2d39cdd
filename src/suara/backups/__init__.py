"""Backups and restores: the database with the bundled PostgreSQL tools, the secret key and the media folder (issue 19)."""
