"""Failure and quarantine e-mail, received by a real SMTP server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from sfprov.cli import app
from sfprov.demo import write_config
from sfprov.emulators.runner import RunningEmulators, start_emulators


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def setup(tmp_path: Path, inbox: tuple[Inbox, int]) -> Iterator[tuple[RunningEmulators, Path]]:
    running = start_emulators(seed="demo", workdir=tmp_path / "ca")
    try:
        config = write_config(running, tmp_path)
        with config.open("a") as handle:
            handle.write(
                f"notifications:\n  host: 127.0.0.1\n  port: {inbox[1]}\n  starttls: false\n"
                "  sender: sfprov@contoso.com\n  recipients: [it-ops@contoso.com]\n"
                "run:\n  quarantine_after_failures: 2\n"
            )
        yield running, config
    finally:
        running.stop()


def test_failed_cycles_and_quarantine_are_mailed(
    setup: tuple[RunningEmulators, Path], inbox: tuple[Inbox, int]
) -> None:
    running, config = setup
    box, _ = inbox
    assert CliRunner().invoke(app, ["sync", "-c", str(config)]).exit_code == 3  # users failed: one mail
    assert "users failed" in box.messages[-1]["Subject"]
    body = box.messages[-1].get_payload()
    assert "LICENSE_LIMIT_EXCEEDED" in body or "MultipleAppRoles" in body
    running.emulators["entra"].admin.configure_faults(error_storm=1000)  # type: ignore[attr-defined]
    for _ in range(2):
        assert CliRunner().invoke(app, ["sync", "-c", str(config)]).exit_code == 1
    last = box.messages[-1]
    assert last["Subject"] == "sfprov production: cycle failed"
    assert last["To"] == "it-ops@contoso.com"
    assert "quarantine" in last.get_payload()
    secret = (config.parent / "secrets" / "entra-client-secret").read_text()
    assert all(secret not in m.as_string() for m in box.messages)


def test_plan_sends_nothing(setup: tuple[RunningEmulators, Path], inbox: tuple[Inbox, int]) -> None:
    _, config = setup
    CliRunner().invoke(app, ["plan", "-c", str(config)])
    assert inbox[0].messages == []
