"""Configuration errors reported at the key that holds them.

Pydantic reports structural problems with their location; cross-key checks (a matching precedence given twice, a
clause value that does not fit its operator) raise :class:`LocatedError`, which carries the path of each problem
relative to the model. :func:`describe_errors` turns both into lines such as
``mapping.attributes[3].expression: Expected ')' at column 17``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

Loc = tuple[str | int, ...]


class LocatedError(ValueError):
    """One or more problems found by a cross-key check, each with the path (relative to the model) it is about.

    Pydantic keeps the raised exception in the error's ``ctx``; :func:`describe_errors` reads the paths back.
    """

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        super().__init__("; ".join(f"{_dotted(loc)}: {msg}" for loc, msg in problems))
        self.problems = tuple(problems)


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe_errors(error: ValidationError, root: str) -> list[str]:
    """One line per problem, each starting with the full key path (``mapping.attributes[3].expression: …``)."""
    lines: list[str] = []
    for item in error.errors():
        loc: Loc = tuple(item["loc"])
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, LocatedError):
            lines.extend(f"{_dotted((root, *loc, *rel))}: {msg}" for rel, msg in cause.problems)
            continue
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see docs/dev/mapping.md)"
        lines.append(f"{_dotted((root, *loc))}: {message}")
    return lines
