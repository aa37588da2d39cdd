"""Citizens' rights under UU PDP: download, correction, erasure, retention of contact data (issue 19)."""
