"""Submissions on a map: grid cells on ordinary indexes, public precision, nearby open reports (issue 18)."""
