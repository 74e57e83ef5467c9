"""Custom fields an org adds to a standard object (``Department__c`` on User): the org's own object definition.

Why: customers map Entra attributes to custom User fields (the gallery app's attribute list is editable, reference
``salesforce.md`` §13.4), and a mapping to a custom field the org has not created fails with ``INVALID_FIELD`` (§8.4).
The global data dictionary (:mod:`schema`) holds the standard fields every org shares; each org that adds custom
fields gets its own :class:`~schema.SObjectDef` extending the standard one, which its describe, SOQL and DML then
use. Custom field API names end in ``__c`` and describe flags them ``"custom": true`` (REST guide, "sObject
Describe"; the ``__c`` suffix is also what Salesforce's INVALID_FIELD text asks for, see :mod:`soql.errors`).

Not modelled: field-level security (which profile sees or edits a field) -- the reference does not describe how
an org reports it, so every custom field is visible and editable to every user here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sfprov.emulators.salesforce.schema import FieldDef, FieldType, SObjectDef

CUSTOM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*__c$")
TEXT_TYPES = ("string", "textarea", "email", "phone", "url")
MAX_TEXT = {"string": 255, "textarea": 131072, "email": 80, "phone": 40, "url": 255}
"""Largest length per text type (Text 255, Long Text Area 131,072; email, phone and URL fixed). UNVERIFIED here:
common platform limits, not in the reference; they only bound what an admin API caller may ask for."""


def custom_field(
    name: str,
    type_: FieldType = "string",
    length: int = 80,
    *,
    label: str | None = None,
    required: bool = False,
    picklist: Iterable[str] = (),
    restricted: bool = True,
    unique: bool = False,
    external_id: bool = False,
) -> FieldDef:
    """A custom field definition as an admin would create it in Setup > Object Manager > Fields & Relationships."""
    if not CUSTOM_NAME.match(name) or "__" in name[:-3]:
        raise ValueError(f"{name!r} is not a custom field API name (letters, digits, single underscores, then __c)")
    values = tuple(picklist)
    if type_ == "picklist" and not values:  # also rejects a picklist without values from a snapshot
        raise ValueError("a picklist field needs its values")
    if type_ in TEXT_TYPES and not 0 < length <= MAX_TEXT[type_]:
        raise ValueError(f"a {type_} field holds 1 to {MAX_TEXT[type_]} characters")
    boolean = type_ == "boolean"
    return FieldDef(
        name=name,
        type=type_,
        length=length if type_ in (*TEXT_TYPES, "picklist") else 0,
        label=label or name[:-3].replace("_", " "),
        nillable=not (required or boolean),
        picklist_values=values,
        picklist_labels=tuple((v, v) for v in values),
        restricted_picklist=type_ == "picklist" and restricted,
        default_on_create=False if boolean else None,
        defaulted_on_create=boolean,
        unique=unique,
        external_id=external_id,
        id_lookup=external_id or unique,
        custom=True,
    )


def extended(base: SObjectDef, extra: Iterable[FieldDef]) -> SObjectDef:
    """``base`` with ``extra`` fields after the standard ones (describe lists custom fields last)."""
    return SObjectDef(
        name=base.name,
        label=base.label,
        label_plural=base.label_plural,
        key_prefix=base.key_prefix,
        fields=(*base.fields, *extra),
        createable=base.createable,
        updateable=base.updateable,
        deletable=base.deletable,
        queryable=base.queryable,
        retrieveable=base.retrieveable,
        searchable=base.searchable,
    )


def to_json(fdef: FieldDef) -> dict[str, Any]:
    """The arguments that rebuild ``fdef`` with :func:`custom_field` (for org snapshots)."""
    return {
        "name": fdef.name,
        "type": fdef.type,
        "length": fdef.length,
        "label": fdef.label,
        "required": not fdef.nillable and fdef.type != "boolean",
        "picklist": list(fdef.picklist_values),
        "restricted": fdef.restricted_picklist,
        "unique": fdef.unique,
        "external_id": fdef.external_id,
    }


def from_json(data: Mapping[str, Any]) -> FieldDef:
    return custom_field(
        str(data["name"]),
        data["type"],
        int(data["length"]),
        label=data.get("label"),
        required=bool(data.get("required")),
        picklist=data.get("picklist") or (),
        restricted=bool(data.get("restricted", True)),
        unique=bool(data.get("unique")),
        external_id=bool(data.get("external_id")),
    )
