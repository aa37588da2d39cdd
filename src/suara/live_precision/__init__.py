"""Live routing precision per model version from staff decisions, and the threshold it raises (issue 17)."""
