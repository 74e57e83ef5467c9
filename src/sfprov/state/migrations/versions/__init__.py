"""Alembic revisions; each file is frozen once released (it must not import the live table definitions)."""
