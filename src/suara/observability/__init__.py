"""Prometheus metrics and JSON logs without personal data (issue 19)."""
