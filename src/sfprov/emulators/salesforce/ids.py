"""Salesforce record ids: 15 case-sensitive characters plus a 3-character case-insensitive checksum.

Why: clients store and compare ids, some send the 15-character form, and an emulator that mints ids without the
checksum would let a connector pass that breaks on a real org. The algorithm and the key prefixes follow the
reference (``shared/reference/salesforce.md`` §2; the checksum and most prefixes are marked UNVERIFIED there, they
are the widely published community algorithm and the prefixes seen in real responses).

Layout of a minted id: ``<key prefix 3><pod 2>0<counter 9, base 62>`` + checksum. The pod characters differ per
org so that ids never collide across the orgs of one emulator, as they never do across real orgs.
"""

from __future__ import annotations

import re
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
"""Digits of the counter part, in Salesforce's order (0-9, A-Z, a-z)."""

_CHECKSUM_ALPHABET = string.ascii_uppercase + "012345"
_ID_RE = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")

KEY_PREFIXES: dict[str, str] = {
    "User": "005",
    "Organization": "00D",
    "Profile": "00e",
    "UserRole": "00E",
    "UserLicense": "100",
    "PermissionSet": "0PS",
    "PermissionSetAssignment": "0Pa",
    "PermissionSetLicense": "0PL",
    "PermissionSetLicenseAssign": "2LA",
    "UserLogin": "060",
    "ExternalClientApp": "0xI",
}
"""Key prefix per sObject. ``005``, ``00D`` and ``00e`` are observed in real login responses; the others are the
commonly seen values (reference §2, UNVERIFIED). ``schema.SObjectDef.key_prefix`` wins where the schema has one."""


_UPPER_AS_ONE = str.maketrans({c: "1" for c in string.ascii_uppercase} | {c: "0" for c in BASE62[:10] + BASE62[36:]})


def checksum(id15: str) -> str:
    """The 3-character suffix: one character per block of five, bit *i* set when character *i* is upper case."""
    bits = id15.translate(_UPPER_AS_ONE)
    return (
        _CHECKSUM_ALPHABET[int(bits[4::-1], 2)]
        + _CHECKSUM_ALPHABET[int(bits[9:4:-1], 2)]
        + _CHECKSUM_ALPHABET[int(bits[14:9:-1], 2)]
    )


def to18(id15: str) -> str:
    """The 18-character form of a 15-character id."""
    return id15 + checksum(id15)


def normalize(value: object) -> str | None:
    """The canonical 18-character id for a 15- or 18-character id, or None when ``value`` is not a valid id.

    The first 15 characters are case-sensitive; the checksum is compared case-insensitively (reference §2).
    """
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        return None
    canonical = to18(value[:15])
    if len(value) == 18 and value[15:].upper() != canonical[15:]:
        return None
    return canonical


def to15(id18: str) -> str:
    """The 15-character form (used in ``serverUrl`` paths, which end with the 15-character org id)."""
    return id18[:15]


def prefix_of(record_id: str) -> str:
    """The key prefix (first three characters) of an id."""
    return record_id[:3]


def base62(number: int, width: int) -> str:
    """``number`` in base 62, left-padded with zeros to ``width`` characters."""
    if number < 0:
        raise ValueError("negative id counter")
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    text = "".join(reversed(digits)) or "0"
    if len(text) > width:
        raise OverflowError("id counter exhausted")
    return text.rjust(width, "0")


class IdFactory:
    """Mints ids for one org: one counter shared by all key prefixes, as in a real pod.

    ``pod`` (two base-62 characters) makes the ids of different orgs of one emulator distinct.
    """

    def __init__(self, pod: str, counter: int = 0) -> None:
        if len(pod) != 2 or any(c not in BASE62 for c in pod):
            raise ValueError("pod must be two base-62 characters")
        self.pod = pod
        self.counter = counter

    def new(self, key_prefix: str) -> str:
        """A fresh 18-character id with ``key_prefix``."""
        if len(key_prefix) != 3:
            raise ValueError("key prefix must have three characters")
        self.counter += 1
        number, digits = self.counter, []
        while number:
            number, rest = divmod(number, 62)
            digits.append(BASE62[rest])
        if len(digits) > 9:
            raise OverflowError("id counter exhausted")
        return to18(key_prefix + self.pod + "0" + "".join(reversed(digits)).rjust(9, "0"))
