"""User licence accounting of an org (reference §5.3).

Model: every *active* user consumes one seat of the ``UserLicense`` of its profile; a frozen user is still active and
still consumes it (§4.3); deactivation gives it back. A seat is taken on insert of an active user, on reactivation and
on a profile change to a profile of another licence, and the take fails with ``LICENSE_LIMIT_EXCEEDED`` when
``used + 1 > total``. That inequality also gives the over-allocation rule of §4.1 for free: after a contract
reduction (``used > total``) a seat freed by deactivation cannot be reused until the count is back under the total.

Counts are kept incrementally (no scan per write) and mirrored into ``UserLicense.UsedLicenses`` by the org.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sfprov.emulators.salesforce import errors


@dataclass
class LicenceBook:
    """Seats per licence id: purchased (``total``) and taken by active users (``used``)."""

    total: dict[str, int] = field(default_factory=dict)
    used: dict[str, int] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    """Licences whose count changed since the owner last mirrored them (into ``UserLicense`` rows)."""

    def add(self, licence_id: str, total: int) -> None:
        self.total[licence_id] = total
        self.used.setdefault(licence_id, 0)

    def set_total(self, licence_id: str, total: int) -> None:
        """Change the purchased count (a contract change); may leave the licence over-allocated."""
        self.total[licence_id] = total
        self.dirty.add(licence_id)

    def available(self, licence_id: str) -> int:
        return self.total.get(licence_id, 0) - self.used.get(licence_id, 0)

    def check(self, licence_id: str) -> None:
        """Raise ``LICENSE_LIMIT_EXCEEDED`` when no seat of ``licence_id`` is free."""
        if self.available(licence_id) < 1:
            raise errors.license_limit_exceeded()

    def take(self, licence_id: str) -> None:
        """Consume one seat, refusing when none is free."""
        self.check(licence_id)
        self.force_take(licence_id)

    def give(self, licence_id: str) -> None:
        """Free one seat (deactivation, move to another licence, rollback of a take)."""
        self.used[licence_id] = self.used.get(licence_id, 0) - 1
        self.dirty.add(licence_id)

    def force_take(self, licence_id: str) -> None:
        """Consume a seat without the check: rollback of a give, and snapshot loading."""
        self.used[licence_id] = self.used.get(licence_id, 0) + 1
        self.dirty.add(licence_id)
