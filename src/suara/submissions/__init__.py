"""Citizens' submissions: complaints, aspirations and information requests, and their history."""
