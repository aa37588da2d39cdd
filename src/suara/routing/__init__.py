"""Routing: the classifier that sends each submission to its agency, its training and its labels."""
