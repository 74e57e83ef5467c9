"""`sfprov run`: a cycle every interval until stopped.

SIGTERM (or Ctrl-C) stops the daemon promptly and cleanly: the write slice in flight completes and is recorded, the
cycle is closed as ``interrupted`` without advancing the watermark (the next start does the rest), the job's lease
is given back, and the daemon exits 0. A second signal stops it at once (default behaviour), which the state store
survives like a kill. See :mod:`sfprov.engine.stop`.
"""

from __future__ import annotations

import time
from pathlib import Path

from sfprov.cli_engine import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, EXIT_STAGED, err, run_cycle, stopping_on_signals
from sfprov.config import load_config
from sfprov.engine.cycle import CycleOptions
from sfprov.engine.stop import StopRequest
from sfprov.errors import ConfigError


def run_daemon(config_path: Path, target: str | None, *, interval: float | None, max_cycles: int | None) -> int:
    try:
        config, _ = load_config(config_path)
        config.target(target)
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return EXIT_CONFIG
    pause = interval if interval is not None else config.run.interval_seconds
    stop = StopRequest()
    done = 0
    with stopping_on_signals(stop):
        while not stop.requested():
            started = time.monotonic()
            try:
                code = run_cycle(config_path, target, CycleOptions(), as_json=False, show_progress=False, stop=stop)
            except Exception as exc:  # the daemon outlives a database or network outage; the next cycle retries
                err.print(f"[red]cycle {done + 1} crashed:[/red] {type(exc).__name__}: {exc}", highlight=False)
                code = 1
            done += 1
            if stop.requested():
                break
            if code not in (EXIT_OK, EXIT_PARTIAL, EXIT_STAGED):
                err.print(f"cycle {done} ended with exit code {code}; next attempt in {pause:.0f} s")
            if max_cycles is not None and done >= max_cycles:
                break
            stop.wait(max(0.0, pause - (time.monotonic() - started)))
    if stop.requested():
        err.print(f"stopped on request ({stop.reason}) after {done} cycle(s)")
    return EXIT_OK
