"""Outbound messages (SMS, e-mail) through an outbox written in the same transaction as the change."""
