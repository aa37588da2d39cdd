"""The public services catalogue: what each service needs, what it costs and how long it may take."""
