"""Alembic environment: always online, on the connection :mod:`sfprov.state.schema` hands over.

There is no ``alembic.ini``; sfprov runs migrations programmatically at ``StateStore.open`` so that an upgrade of
sfprov upgrades its store without a separate tool.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from sfprov.state.tables import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
assert isinstance(connection, sa.Connection), "sfprov migrations run only through sfprov.state.schema"

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things; batch mode copies
    transactional_ddl=True,  # both backends run DDL inside the transaction sfprov.state.schema opened
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
