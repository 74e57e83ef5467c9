"""``sfprov emulate``: start the emulators, tell the user how to connect, serve until interrupted."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any, cast

from rich.console import Console
from rich.table import Table

from sfprov.emulators.runner import EMULATOR_NAMES, Seed, start_emulators

console = Console(stderr=True)


def run_emulate(
    *,
    seed: str,
    only: tuple[str, ...],
    info_out: Path | None,
    ca_out: Path | None,
    snapshot: Path | None,
    workdir: Path | None,
    bind: str,
) -> int:
    """Return the process exit code: 0 after a clean stop, 2 for bad options."""
    if seed not in ("demo", "empty"):
        console.print(f"[red]error:[/red] --seed {seed!r} is not known; use 'demo' or 'empty'.")
        return 2
    unknown = [name for name in only if name not in EMULATOR_NAMES]
    if unknown:
        console.print(f"[red]error:[/red] --only {unknown[0]!r} is not known; use {' or '.join(EMULATOR_NAMES)}.")
        return 2
    running = start_emulators(seed=cast(Seed, seed), only=only, snapshot_dir=snapshot, workdir=workdir, bind=bind)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if ca_out is not None:
            running.ca.write_ca(ca_out)
        if info_out is not None:
            running.write_info(info_out)
        _print_summary(running.host.listeners, ca_out or running.ca.ca_file, info_out)
        stop.wait()
        if snapshot is not None:
            for path in running.save_snapshots(snapshot):
                console.print(f"saved {path}")
    finally:
        running.stop()
    return 0


def _print_summary(listeners: dict[str, Any], ca_file: Path, info_out: Path | None) -> None:
    table = Table(title="sfprov emulators (HTTPS on loopback)")
    table.add_column("virtual host")
    table.add_column("URL")
    for name, listener in sorted(listeners.items()):
        table.add_row(name, listener.url)
    console.print(table)
    console.print(f"Trust this CA: [bold]{ca_file}[/bold]  (e.g. SSL_CERT_FILE, requests verify=, httpx verify=)")
    if info_out is not None:
        console.print(f"Endpoints and credentials: [bold]{info_out}[/bold]")
    else:
        console.print("Pass --info-out FILE to get every endpoint and credential as JSON.")
    console.print("Press Ctrl-C to stop.")
