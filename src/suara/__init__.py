"""Suara: citizen complaints, aspirations and information requests, routed and tracked."""

__version__ = "0.1.0"
