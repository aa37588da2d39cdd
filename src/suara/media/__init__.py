"""Photos with a submission: checked, re-encoded without metadata, stored under unguessable names (issue 18)."""
