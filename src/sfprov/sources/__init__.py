"""Source connectors: the systems sfprov reads who should have access from."""
