"""API versions the emulated platform serves, and the ``GET /services/data/`` version list.

Why: clients pick their version from this list or pin one; a connector pinned to a version the platform no longer
serves must see the real refusal. Releases map to versions three a year (reference ``salesforce.md`` §1.1:
Winter '26 = 65.0, Spring '26 = 66.0, Summer '26 = 67.0); versions below 31.0 are retired (the Summer '25
retirement of 21.0-30.0, after the 2022 retirement of 7.0-20.0).
"""

from __future__ import annotations

import re

OLDEST = 31
NEWEST = 67
_SEASONS = ("Winter", "Spring", "Summer")
_VERSION_RE = re.compile(r"^v?(\d{1,3})\.0$")


def release_label(major: int) -> str:
    """``Summer '26`` for 67: version 65 is Winter '26 and each release adds one."""
    k = major - 65
    year = 26 + k // 3
    return f"{_SEASONS[k % 3]} '{year:02d}"


def version_list() -> list[dict[str, str]]:
    """The body of ``GET /services/data/``: oldest first, as Salesforce lists them."""
    return [
        {"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(OLDEST, NEWEST + 1)
    ]


def major(version: str) -> int | None:
    """The major number of ``64.0`` or ``v64.0``; None when the text is not a version."""
    match = _VERSION_RE.match(version)
    return int(match.group(1)) if match else None


def is_served(version: str) -> bool:
    number = major(version)
    return number is not None and OLDEST <= number <= NEWEST


def is_retired(version: str) -> bool:
    number = major(version)
    return number is not None and number < OLDEST
