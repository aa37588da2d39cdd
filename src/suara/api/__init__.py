"""The thin layer that turns HTTP and GraphQL requests into domain calls."""
