"""`sfprov run`: a cycle every interval until stopped; SIGTERM finishes the cycle in flight and exits cleanly."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

from sfprov.cli_engine import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, EXIT_STAGED, err, run_cycle
from sfprov.config import load_config
from sfprov.engine.cycle import CycleOptions
from sfprov.errors import ConfigError


def run_daemon(config_path: Path, target: str | None, *, interval: float | None, max_cycles: int | None) -> int:
    try:
        config, _ = load_config(config_path)
        config.target(target)
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return EXIT_CONFIG
    pause = interval if interval is not None else config.run.interval_seconds
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        err.print(f"received {signal.Signals(signum).name}: finishing the cycle in flight, then stopping")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    done = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            code = run_cycle(config_path, target, CycleOptions(), as_json=False, show_progress=False)
        except Exception as exc:  # the daemon outlives a database or network outage; the next cycle retries
            err.print(f"[red]cycle {done + 1} crashed:[/red] {type(exc).__name__}: {exc}", highlight=False)
            code = 1
        done += 1
        if code not in (EXIT_OK, EXIT_PARTIAL, EXIT_STAGED):
            err.print(f"cycle {done} ended with exit code {code}; next attempt in {pause:.0f} s")
        if max_cycles is not None and done >= max_cycles:
            break
        stop.wait(max(0.0, pause - (time.monotonic() - started)))
    return EXIT_OK
