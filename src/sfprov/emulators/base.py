"""The contract every emulator meets, so that ``sfprov emulate``, ``sfprov demo`` and test fixtures can run
any of them the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from sfprov.emulators.server import EmulatorHost


class Emulator(Protocol):
    """An emulated vendor service: in-memory state, an ASGI app, listeners on an :class:`EmulatorHost`."""

    name: str
    """Short name used as the key in the ``--info-out`` document (``salesforce``, ``entra``)."""

    def serve(self, host: EmulatorHost) -> None:
        """Add one listener per virtual host to ``host`` and remember it, to add more later (new orgs)."""

    def info(self) -> dict[str, Any]:
        """Every endpoint and credential a client needs, as plain JSON-able data (after :meth:`serve`)."""

    def save_snapshot(self, path: Path) -> None:
        """Write the whole state to ``path`` (JSON) so that a later run can resume from it."""
