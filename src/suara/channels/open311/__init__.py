"""Open311 GeoReport v2: the open standard civic apps (FixMyStreet and others) already speak."""
