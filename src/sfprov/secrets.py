"""A wrapper that keeps secrets out of logs, reprs, exceptions and JSON.

Every password, token, client secret and private key sfprov handles travels as a :class:`Secret`. Only the code
that puts it on the wire calls :meth:`Secret.reveal`; everything else sees ``'***'``.
"""

from __future__ import annotations

from typing import Any, NoReturn

_MASK = "***"


class Secret:
    """A string that refuses to be printed. ``reveal()`` is the only way to the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_MASK!r})"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, spec: str) -> str:
        return _MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled or serialised")

    def __getstate__(self) -> Any:
        raise TypeError("a Secret cannot be pickled or serialised")


def reveal(value: Secret | str | None) -> str | None:
    """The plain value of a secret or string, for the one place that sends it."""
    if value is None:
        return None
    return value.reveal() if isinstance(value, Secret) else value
