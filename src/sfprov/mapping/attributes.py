"""How the mapping reads a source attribute, including Entra's B2B guest rule.

Entra documents (reference ``entra-provisioning-service.md`` §3, "B2B guests") that when ``userPrincipalName`` is a
source attribute, the provisioning service strips ``#EXT#`` and the tenant domain and uses the guest's original
``alias@theirdomain``; ``originalUserPrincipalName`` gives the full value. A guest invited as ``ada@fabrikam.com``
has the UPN ``ada_fabrikam.com#EXT#@contoso.onmicrosoft.com``: the ``@`` of the home address became the last ``_``
before ``#EXT#``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from sfprov.model import SourceUser

_EXT_MARKER = "#EXT#"


def home_upn(upn: str) -> str:
    """The guest's home address for a B2B UPN (``ada_fabrikam.com#EXT#@contoso.onmicrosoft.com`` →
    ``ada@fabrikam.com``); any other UPN unchanged."""
    index = upn.upper().find(_EXT_MARKER)
    if index <= 0:
        return upn
    local = upn[:index]
    alias, sep, domain = local.rpartition("_")
    if not sep or not alias or "." not in domain:
        return upn
    return f"{alias}@{domain}"


def reader(user: SourceUser, guest_upn: Literal["original", "as_is"] = "original") -> Callable[[str], Any]:
    """A function giving the value of ``[name]`` for this user, as a mapping or a scoping clause sees it."""

    def read(name: str) -> Any:
        lowered = name.lower()
        if lowered == "originaluserprincipalname":
            explicit = user.value(name)
            return explicit if explicit is not None else user.value("userPrincipalName")
        value = user.value(name)
        if lowered == "userprincipalname" and guest_upn == "original" and isinstance(value, str):
            return home_upn(value)
        return value

    return read


def graph_attribute(name: str) -> str | None:
    """The Graph ``$select`` property behind a mapping attribute name (None when there is none to select).

    ``IsSoftDeleted`` is computed from ``accountEnabled`` (the deleted part comes from delta ``@removed``),
    ``objectId`` is ``id``, ``originalUserPrincipalName`` is the provisioning service's view of
    ``userPrincipalName``, and ``appRoleAssignments`` are read through their own endpoint.
    """
    lowered = name.lower()
    if lowered == "issoftdeleted":
        return "accountEnabled"
    if lowered == "objectid":
        return "id"
    if lowered == "originaluserprincipalname":
        return "userPrincipalName"
    if lowered == "approleassignments":
        return None
    return name
