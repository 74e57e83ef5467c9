"""The SOQL engine of the Salesforce emulator: ``parse`` text into a checked query, ``execute`` it over an org.

Public API (the contract with Parts B and C, docs/dev/salesforce-emulator-contract.md):

* :func:`parse` ``(text) -> Query``, raising :class:`SoqlError` with Salesforce's error code and message;
* :func:`execute` ``(query, source, *, api_version, include_deleted=False) -> QueryRows``;
* :class:`TableSource`, the read interface the org implements.

See docs/dev/sf-soql.md for the subset, the error texts and the measured speed.
"""

from __future__ import annotations

from sfprov.emulators.salesforce.schema import sobject
from sfprov.emulators.salesforce.soql.ast import Query
from sfprov.emulators.salesforce.soql.binder import Resolver, bind
from sfprov.emulators.salesforce.soql.errors import SoqlError
from sfprov.emulators.salesforce.soql.executor import QueryRows, execute
from sfprov.emulators.salesforce.soql.parser import parse_syntax
from sfprov.emulators.salesforce.soql.source import TableSource

__all__ = ["Query", "QueryRows", "SoqlError", "TableSource", "execute", "parse"]


def parse(text: str, resolve: Resolver = sobject) -> Query:
    """Parse ``text`` and check it against the data dictionary (``resolve``: an org's own, with its custom fields):
    syntax errors first, then names and types, as Salesforce reports them."""
    return bind(parse_syntax(text), resolve)
