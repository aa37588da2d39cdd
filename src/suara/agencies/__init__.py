"""The directory of government agencies and the topic categories routed to them."""
