"""Public counters of every agency's responsiveness, kept exact from the event log."""
