"""Start both emulators behind one local CA: used by ``sfprov emulate``, ``sfprov demo`` and the benchmarks.

The info document written here is what a client needs to connect (base URLs, credentials, the CA file). It holds
the emulators' made-up credentials on purpose: they exist only in this process and its working folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sfprov.emulators.base import Emulator
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA

Seed = Literal["demo", "empty"]
EMULATOR_NAMES = ("salesforce", "entra")


@dataclass
class RunningEmulators:
    ca: LocalCA
    host: EmulatorHost
    emulators: dict[str, Emulator] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"ca_file": str(self.ca.ca_file)}
        for name, emulator in self.emulators.items():
            doc[name] = emulator.info()
        return doc

    def write_info(self, path: Path) -> Path:
        """Write the info document readable by the owner only: it holds the emulators' credentials."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.info(), handle, indent=2, sort_keys=True)
            handle.write("\n")
        return path

    def save_snapshots(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, emulator in self.emulators.items():
            path = directory / f"{name}.json"
            emulator.save_snapshot(path)
            written.append(path)
        return written

    def stop(self) -> None:
        self.host.stop()


def _build(name: str, seed: Seed, snapshot: Path | None) -> Emulator:
    if name == "salesforce":
        from sfprov.emulators.salesforce import SalesforceEmulator

        if snapshot is not None and snapshot.exists():
            return SalesforceEmulator.from_snapshot(snapshot)
        return SalesforceEmulator.demo() if seed == "demo" else SalesforceEmulator.empty()
    if name == "entra":
        from sfprov.emulators.entra import EntraEmulator

        if snapshot is not None and snapshot.exists():
            return EntraEmulator.from_snapshot(snapshot)
        # empty: a tenant with only the sfprov app registration and the Salesforce enterprise app
        return EntraEmulator.demo() if seed == "demo" else EntraEmulator.bulk(0)
    raise ValueError(f"unknown emulator {name!r}; choose from {', '.join(EMULATOR_NAMES)}")


def start_emulators(
    *,
    seed: Seed = "demo",
    only: tuple[str, ...] = EMULATOR_NAMES,
    snapshot_dir: Path | None = None,
    workdir: Path | None = None,
    bind: str = "127.0.0.1",
) -> RunningEmulators:
    """Mint a CA, start the requested emulators on loopback and return their handles.

    With ``snapshot_dir``, each emulator resumes from ``<dir>/<name>.json`` when that file exists.
    """
    ca = LocalCA.create(directory=workdir)
    host = EmulatorHost(ca, bind=bind).start()
    running = RunningEmulators(ca=ca, host=host)
    try:
        for name in only:
            snapshot = snapshot_dir / f"{name}.json" if snapshot_dir is not None else None
            emulator = _build(name, seed, snapshot)
            emulator.serve(host)
            running.emulators[name] = emulator
    except BaseException:
        host.stop()
        raise
    return running


@contextmanager
def emulators(**kwargs: Any) -> Iterator[RunningEmulators]:
    running = start_emulators(**kwargs)
    try:
        yield running
    finally:
        running.stop()
