"""Agency workflow: inbox, state machine, deadlines."""
