"""Alembic migrations of the state store, shipped inside the package and run by :mod:`sfprov.state.schema`."""
