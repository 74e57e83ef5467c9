"""E-mail to the operators when a cycle fails, stops, leaves users failing, stages deactivations, or a job enters
quarantine. Sending is best effort: a mail server that is down is reported on stderr, never fails the cycle.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from sfprov.config.models import SmtpConfig
from sfprov.engine.cycle import CycleReport
from sfprov.state import CycleStatus


def needs_attention(report: CycleReport) -> bool:
    staged = report.plan is not None and report.plan.staged_reason is not None
    failed_users = report.result is not None and report.result.failed > 0
    return report.status in (CycleStatus.FAILED, CycleStatus.STOPPED) or staged or failed_users


def message_for(report: CycleReport, quarantine: str | None = None) -> tuple[str, str]:
    """Subject and plain-text body; no secret can be in them (reports hold none)."""
    if report.status in (CycleStatus.FAILED, CycleStatus.STOPPED):
        subject = f"sfprov {report.job}: cycle {report.status.value}"
    elif report.plan is not None and report.plan.staged_reason:
        subject = f"sfprov {report.job}: deactivations staged, waiting for approval"
    else:
        subject = f"sfprov {report.job}: {report.result.failed if report.result else 0} users failed"
    lines = [
        f"Job: {report.job}",
        f"Cycle: {report.cycle_id or '-'} ({report.kind.value}), status {report.status.value}",
        "Counts: " + (", ".join(f"{k} {v}" for k, v in report.counts().items() if v) or "none"),
    ]
    if report.error:
        lines += ["", f"Error: {report.error}"]
    if report.fix:
        lines.append(f"Fix: {report.fix}")
    for note in report.notes:
        lines += ["", note]
    if report.result is not None:
        failures = report.result.failures
        if failures:
            lines += ["", "Failed users (first 20):"]
            lines += [f"  {e.source_upn or e.source_id}: {e.error_code}: {e.error_message}" for e in failures[:20]]
    if quarantine:
        lines += ["", f"Quarantine: {quarantine}"]
    lines += ["", "Details: sfprov status; sfprov logs --status failure"]
    return subject, "\n".join(lines) + "\n"


def send(smtp: SmtpConfig, subject: str, body: str, *, base_dir: Path | None = None, timeout: float = 20.0) -> None:
    """Send one message; raises OSError / smtplib.SMTPException for the caller to report."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username and smtp.password is not None:
            client.login(smtp.username, smtp.password.resolve("notifications.password", base_dir=base_dir).reveal())
        client.send_message(message)
