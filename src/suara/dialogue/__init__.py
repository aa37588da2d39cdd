"""Public dialogue: consultations, polls and proposals, one verified person one voice."""
