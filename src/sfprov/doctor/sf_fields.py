"""Every field the mapping writes, checked against the org's own ``User`` describe before the first cycle.

Why: a mapping target the org does not have (a custom field never created, or one the integration user cannot see),
a field the user may not write, a constant that is not one of the org's picklist values or is longer than the field
would otherwise fail the first cycle user by user (``INVALID_FIELD``, ``INVALID_FIELD_FOR_INSERT_UPDATE``,
``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``, ``STRING_TOO_LONG``, ``REQUIRED_FIELD_MISSING``; reference
``salesforce.md`` §3.2, §3.3, §8.4). The describe (``GET /services/data/vXX.X/sobjects/User/describe``, the
``DescribeSObjectResult`` of the REST guide, "sObject Describe") is the org's truth as the integration user sees it:
``fields[].name``, ``createable``, ``updateable``, ``length``, ``nillable``, ``defaultedOnCreate``,
``restrictedPicklist`` and ``picklistValues[].value/active``.

Which flags a mapping row needs (Entra's "apply this mapping", ``entra-provisioning-service.md``): a row of flow
``always`` writes on create and on update (createable and updateable); ``on_create`` and a type-``none`` row (its
default is sent on create only) write on create (createable). The virtual targets are resolved as the connector
does (§13.4): ``ProfileName`` writes ``ProfileId``, ``UserRoleName`` writes ``UserRoleId``; ``PermissionSets``
writes assignments, not a field (its permission is checked by :mod:`sfprov.doctor.sf_permissions`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sfprov.doctor.model import CheckList, Status
from sfprov.errors import ConnectorError
from sfprov.mapping import salesforce_fields as sf
from sfprov.mapping.config import AttributeMapping, Flow, MappingConfig, MappingType
from sfprov.mapping.scoping_config import scalar_text
from sfprov.targets.salesforce.client import SalesforceClient

CHECK = "mapped fields"
FIELD_TARGETS = {sf.PROFILE_NAME: "ProfileId", sf.USER_ROLE_NAME: "UserRoleId"}
"""Virtual targets and the User field each one writes."""

FLS_FIX = (
    "Setup > Object Manager > User > Fields & Relationships > {field} > Set Field-Level Security: tick Visible and "
    "clear Read-Only for the integration user's profile (or grant Edit access to {field} in its permission set: "
    "Setup > Permission Sets > the set > Object Settings > Users > Edit)."
)


@dataclass(frozen=True)
class Row:
    """One mapping row as the doctor reports it: the field it writes and where it is in the config."""

    attr: AttributeMapping
    field: str
    where: str

    @property
    def text(self) -> str:
        return f"{self.where}: {self.attr.target} <- {self.attr.rule_text()}" + (
            f' (default "{scalar_text(self.attr.default)}")' if self.attr.default is not None else ""
        )

    @property
    def on_update(self) -> bool:
        """True when the row is also sent on update (flow always, with a source, constant or expression)."""
        return self.attr.flow is Flow.ALWAYS and self.attr.kind is not MappingType.NONE

    def constants(self) -> list[str]:
        """The fixed values this row can send: its constant and its default."""
        values = [self.attr.value] if self.attr.kind is MappingType.CONSTANT else []
        values.append(self.attr.default)
        return [scalar_text(v) for v in values if v is not None and not isinstance(v, tuple)]


def rows(mapping: MappingConfig) -> list[Row]:
    """The rows that write a User field, each with where it comes from (``mapping.attributes[i]`` or defaults)."""
    written = {a.target.lower(): i for i, a in enumerate(mapping.attributes)}
    out: list[Row] = []
    for attr in mapping.effective_attributes():
        if attr.target == sf.PERMISSION_SETS:
            continue
        index = written.get(attr.target.lower())
        where = f"mapping.attributes[{index}]" if index is not None else f"mapping defaults ({mapping.defaults})"
        out.append(Row(attr, FIELD_TARGETS.get(attr.target, attr.target), where))
    return out


async def describe_user(client: SalesforceClient) -> dict[str, Any]:
    response = await client.request("GET", client.data_path("sobjects/User/describe"), kind="describe")
    body: dict[str, Any] = response.json()
    return body


def problems(row: Row, described: dict[str, Any] | None) -> Iterator[tuple[str, str]]:
    """``(problem, fix)`` for each way ``row`` would fail against the described field (None: not in describe)."""
    name = row.field
    if described is None:
        custom = name.lower().endswith("__c")
        yield (
            f"{name} is not a field of User in this org, or the integration user cannot see it",
            (
                f"Create the custom field (Setup > Object Manager > User > Fields & Relationships > New, API name "
                f"{name}), or, if it exists, make it visible: " + FLS_FIX.format(field=name)
                if custom
                else f"Correct the target name in {row.where} (field names are the API names of Setup > Object "
                f"Manager > User > Fields & Relationships), or make the field visible: " + FLS_FIX.format(field=name)
            ),
        )
        return
    if not described.get("createable"):
        yield (
            f"{name} is not createable for the integration user, and the mapping sends it when creating users",
            FLS_FIX.format(field=name) + f" If the field is read-only by nature, remove {row.where}.",
        )
    if row.on_update and not described.get("updateable"):
        yield (
            f"{name} is not updateable for the integration user, and the mapping (flow always) sends it on updates",
            FLS_FIX.format(field=name) + f" Or set 'flow: on_create' in {row.where} to send it only on create.",
        )
    for value in row.constants():
        yield from _value_problems(row, described, value)


def _value_problems(row: Row, described: dict[str, Any], value: str) -> Iterator[tuple[str, str]]:
    name = row.field
    if described.get("type") == "picklist" and described.get("restrictedPicklist"):
        allowed = [str(p.get("value")) for p in described.get("picklistValues") or [] if p.get("active", True)]
        if value not in allowed:
            near = [v for v in allowed if v.casefold() == value.casefold()]
            hint = f" (did you mean {near[0]!r}? values are case-sensitive)" if near else ""
            yield (
                f'"{value}" is not an active value of the restricted picklist {name}{hint}',
                f"Correct the value in {row.where} to one of the org's values (Setup > Object Manager > User > "
                f"Fields & Relationships > {name}), e.g. {', '.join(allowed[:5])}.",
            )
    length = described.get("length") or 0
    if described.get("type") in ("string", "textarea", "email", "phone", "url") and length and len(value) > length:
        known = sf.lookup(row.attr.target)
        if known is not None and known.truncatable and known.length is not None and known.length <= length:
            return  # the mapper cuts it to sfprov's length, which the org accepts
        yield (
            f'the constant "{value[:40]}{"..." if len(value) > 40 else ""}" is {len(value)} characters; {name} '
            f"holds {length}",
            f"Shorten the value in {row.where} to at most {length} characters"
            + (", or lengthen the custom field in Setup > Object Manager > User." if name.endswith("__c") else "."),
        )


def check_fields(checks: CheckList, describe: dict[str, Any], mapping: MappingConfig) -> None:
    """One FAIL per field with a problem (field, mapping row, fix), then required fields the mapping leaves out,
    else one PASS naming how many fields were checked."""
    by_name = {str(f.get("name", "")).lower(): f for f in describe.get("fields") or []}
    mapped = rows(mapping)
    failed = False
    for row in mapped:
        found = list(problems(row, by_name.get(row.field.lower())))
        if found:
            failed = True
            checks.add(
                f"field: {row.field}",
                Status.FAIL,
                "; ".join(p for p, _ in found) + f". Mapping row: {row.text}.",
                " ".join(dict.fromkeys(fix for _, fix in found)),
            )
    written = {row.field.lower() for row in mapped}
    for field in describe.get("fields") or []:
        name = str(field.get("name", ""))
        required = field.get("createable") and not field.get("nillable") and not field.get("defaultedOnCreate")
        if required and name.lower() not in written:
            failed = True
            target = next((v for v, f in FIELD_TARGETS.items() if f.lower() == name.lower()), name)
            checks.add(
                f"field: {name}",
                Status.FAIL,
                f"The org requires {name} when a user is created (REQUIRED_FIELD_MISSING otherwise, reference §3.2, "
                "§8.4) and the mapping does not write it.",
                f"Add a mapping row for {target} under mapping.attributes (a source, an expression or a default), "
                "or stop removing it from the defaults.",
            )
    if not failed:
        checks.add(
            CHECK,
            Status.PASS,
            f"{len(mapped)} mapped fields exist on User and are writable by the integration user; constants are "
            "valid for their fields",
        )


async def check_mapped_fields(checks: CheckList, client: SalesforceClient, mapping: MappingConfig) -> None:
    try:
        describe = await describe_user(client)
    except ConnectorError as exc:
        checks.add(CHECK, Status.WARN, f"Cannot describe User: {exc.message}", exc.fix)
        return
    check_fields(checks, describe, mapping)
