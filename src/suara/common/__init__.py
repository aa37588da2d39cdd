"""Small pieces every domain package uses."""
