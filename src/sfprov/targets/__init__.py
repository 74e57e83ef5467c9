"""Target connectors: the systems sfprov writes to."""
