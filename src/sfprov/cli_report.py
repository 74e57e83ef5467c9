"""`sfprov report`: write the audit evidence (HTML, CSV, JSON) for one target into a folder.

Exit codes as elsewhere (``cli_engine``): 0 written, 1 Salesforce or the state store could not be read, 2 invalid
configuration or options (nothing contacted).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sfprov.cli_engine import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, _parse_time, err, fail_config, opened, out
from sfprov.errors import ConfigError, SfprovError
from sfprov.report import FORMATS, build_report, collect, write_report


def parse_formats(value: str) -> tuple[str, ...]:
    """``html,csv,json`` -> a tuple; ConfigError naming the allowed values otherwise."""
    chosen = tuple(dict.fromkeys(p.strip().lower() for p in value.split(",") if p.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise ConfigError(f"--format {value!r} is not a list of report formats.", fix="Use html, csv, json or a list.")
    return chosen


def make_report(
    config_path: Path,
    target: str | None,
    *,
    since: str | None = None,
    until: str | None = None,
    out_dir: Path | None = None,
    formats: str = "html,csv,json",
    inactive_days: int = 90,
    now: datetime | None = None,
) -> tuple[int, Path | None]:
    """Collect, build and write the report; returns the exit code and the folder written (None on failure)."""
    try:
        chosen = parse_formats(formats)
        window = _parse_time(since, "since"), _parse_time(until, "until")
        if inactive_days < 1:
            raise ConfigError("--inactive-days must be at least 1.", fix="Use e.g. --inactive-days 90.")
        generated = now or datetime.now(UTC)
        with opened(config_path, target) as ctx:
            data = asyncio.run(
                collect(
                    ctx.store,
                    ctx.target,
                    base_dir=ctx.base_dir,
                    generated_at=generated,
                    since=window[0],
                    until=window[1],
                    inactive_days=inactive_days,
                )
            )
            folder = out_dir or ctx.base_dir / "reports" / f"{ctx.target.name}-{generated:%Y%m%dT%H%M%SZ}"
    except ConfigError as exc:
        return fail_config(exc), None
    except SfprovError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        if exc.fix:
            err.print(f"[bold]fix:[/bold] {exc.fix}", highlight=False)
        return EXIT_FAILED, None
    paths = write_report(build_report(data), folder, chosen)
    for path in paths:
        out.print(str(path), highlight=False, soft_wrap=True)
    return EXIT_OK, folder


def report_command(
    config_path: Path,
    target: str | None,
    *,
    since: str | None,
    until: str | None,
    out_dir: Path | None,
    formats: str,
    inactive_days: int,
) -> int:
    code, _folder = make_report(
        config_path,
        target,
        since=since,
        until=until,
        out_dir=out_dir,
        formats=formats,
        inactive_days=inactive_days,
    )
    return code


__all__ = ["EXIT_CONFIG", "make_report", "parse_formats", "report_command"]
