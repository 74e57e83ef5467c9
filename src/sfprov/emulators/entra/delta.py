"""Delta query for users and groups (``/users/delta``, ``/groups/delta``, also ``delta()`` and
``microsoft.graph.delta`` as the SDK sends them).

Model (reference ``entra-graph.md`` §4-§6):

* A round is a sequence of pages linked by ``@odata.nextLink`` (``$skiptoken``) ending with an
  ``@odata.deltaLink`` (``$deltatoken``). Tokens are opaque, HMAC-signed JSON carrying the first request's
  ``$select`` / ``$filter``, the change-log watermark, the position in the round and the issue time, so that
  options are given only once and tampering is detected.
* The initial round lists every live object (plus soft-deleted ones as ``@removed: changed``); later rounds list
  objects whose *tracked* properties changed since the watermark: by default the full selected set with current
  values (never-set properties omitted), with ``Prefer: return=minimal`` only the changed properties.
* ``@removed`` is ``changed`` for a soft delete and ``deleted`` for a permanent one; ``members@delta`` lists member
  additions and removals (removals with ``@removed: {"reason": "deleted"}``); a group with many member changes is
  split over pages and re-appears with the next slice.
* Expired tokens (7 days by default) are answered with 410 ``syncStateNotFound`` (configurable, UNVERIFIED status),
  as are tokens the emulator cannot verify; a configured synchronization reset answers 410 ``resyncRequired`` with
  a ``Location`` header holding the request URL with an empty ``$deltatoken``.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from sfprov.emulators.entra import odata
from sfprov.emulators.entra.directory import Change, GraphError

if TYPE_CHECKING:
    from sfprov.emulators.entra.graph import Ctx, GraphResponse, GraphService

MAX_ID_FILTER = 50
"""``$filter=id eq '…' or …`` accepts at most 50 ids on delta (user-delta.md)."""


@dataclass
class _Unit:
    """One object entry of a round: a rendered object (or removal) plus its members@delta slice source."""

    object_id: str
    removed: str | None
    changed: frozenset[str]
    members: list[dict[str, Any]]
    full_state: bool


class _LazyUnits(Sequence[_Unit]):
    """Units of an initial round, built only for the page being served."""

    def __init__(self, ids: list[tuple[str, str | None]], build: Callable[[tuple[str, str | None]], _Unit]) -> None:
        self._ids = ids
        self._build = build

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> _Unit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[_Unit]: ...
    def __getitem__(self, index: int | slice) -> _Unit | Sequence[_Unit]:
        if isinstance(index, slice):
            return [self._build(pair) for pair in self._ids[index]]
        return self._build(self._ids[index])


class DeltaEngine:
    def __init__(self, service: GraphService) -> None:
        self.service = service
        self._rounds: OrderedDict[tuple[Any, ...], list[tuple[str, str | None]]] = OrderedDict()

    # ------------------------------------------------------------------------------------------ tokens
    def _sign(self, payload: dict[str, Any]) -> str:
        raw = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        sig = hmac.new(self.service.secret, raw.encode(), hashlib.sha256).digest()[:12]
        return raw + "~" + base64.urlsafe_b64encode(sig).decode().rstrip("=")

    def _open(self, token: str, ctx: Ctx, resource: str) -> dict[str, Any]:
        cfg = self.service.faults.config
        expired = GraphError(
            cfg.expired_token_status,
            cfg.expired_token_code,
            "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
        )
        raw, _, sig = token.partition("~")
        try:
            good = hmac.new(self.service.secret, raw.encode(), hashlib.sha256).digest()[:12]
            if not hmac.compare_digest(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)), good):
                raise ValueError
            payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (ValueError, TypeError):
            raise expired from None
        if payload.get("r") != resource:
            raise expired
        if self.service.clock() - payload["t"] > cfg.delta_token_lifetime_seconds:
            raise expired
        if payload["w"] < self._log_floor():
            raise expired
        return payload

    def _visible_seq(self) -> int:
        """The newest change a delta round may report: with ``replication_lag_seconds`` set, changes younger than
        the lag stay invisible until a later round (reference §4.2, "Lag"); the watermark stops before them."""
        d = self.service.directory
        lag = self.service.faults.config.replication_lag_seconds
        if lag <= 0 or not d.log:
            return d.seq
        cutoff = self.service.clock() - lag
        index = bisect.bisect_right(d.log, cutoff, key=lambda c: c.at)
        return d.log[index - 1].seq if index > 0 else d.log[0].seq - 1

    def _log_floor(self) -> int:
        """The oldest watermark the change log can still answer (snapshots start a new log)."""
        log = self.service.directory.log
        return (log[0].seq - 1) if log else self.service.directory.seq

    # ------------------------------------------------------------------------------------------ entry points
    def users(self, ctx: Ctx) -> GraphResponse:
        return self._delta(ctx, "users")

    def groups(self, ctx: Ctx) -> GraphResponse:
        return self._delta(ctx, "groups")

    def _delta(self, ctx: Ctx, resource: str) -> GraphResponse:
        from sfprov.emulators.entra.graph import GraphResponse

        params = {k.lstrip("$").lower(): v for k, v in ctx.req.params.items()}
        for option in ("top", "orderby", "skip", "search", "count"):
            if option in params:
                raise GraphError(
                    400, "Request_UnsupportedQuery", f"The query option '${option}' is not supported for delta queries."
                )
        skiptoken, deltatoken = params.get("skiptoken"), params.get("deltatoken")
        if skiptoken is not None and "select" in params:
            raise GraphError(
                400, "Request_UnsupportedQuery", "The query option '$select' is not supported together with $skiptoken."
            )
        res = odata.USERS if resource == "users" else odata.GROUPS
        directory = self.service.directory
        if deltatoken == "latest":
            state = self._fresh_state(ctx, resource, params, res)
            state.update(p="c", w=directory.seq, o=0, m=0)
            return GraphResponse(200, self._body(ctx, resource, state, [], done=True))
        if skiptoken is not None or deltatoken is not None:
            if self.service.faults.take_sync_reset():
                raise GraphError(
                    410,
                    "resyncRequired",
                    "The delta token is no longer valid, and the app must reset the sync state.",
                    {"Location": f"{ctx.link_base}{ctx.req.path}?$deltatoken="},
                )
            state = self._open(skiptoken or deltatoken or "", ctx, resource)
            if deltatoken is not None:
                state.update(p="c", o=0, m=0, c=self._visible_seq())
                if "select" in params:  # only a deltaLink may carry a new $select (reference §4.2)
                    state["s"] = self._select(params["select"], res)
        else:
            state = self._fresh_state(ctx, resource, params, res)
        units = self._units(resource, state)
        page, state, done = self._page(units, state)
        minimal = "return=minimal" in ctx.req.headers.get("prefer", "").replace(" ", "").lower()
        values: list[dict[str, Any]] = []
        duplicate_rate = self.service.faults.config.delta_duplicate_rate
        for unit, members in page:
            values.append(self._render(resource, unit, members, state, minimal))
            if self.service.faults.draw(duplicate_rate):
                values.append(values[-1])
        if done:
            state = {**state, "w": state["c"] if state["p"] == "c" else state["w"], "p": "c", "o": 0, "m": 0}
        resp = GraphResponse(200, self._body(ctx, resource, state, values, done=done), items=len(values))
        if minimal and state["p"] == "c":
            resp.headers["Preference-Applied"] = "return=minimal"
        return resp

    def _select(self, text: str, res: odata.Resource) -> list[str]:
        names = [s.strip() for s in text.split(",") if s.strip()]
        for name in names:
            if name not in res.properties:
                raise GraphError(
                    400,
                    "BadRequest",
                    f"Parsing OData Select and Expand failed: Could not find a property named '{name}' on type "
                    f"'microsoft.graph.{res.type_name}'.",
                )
        return names

    def _fresh_state(self, ctx: Ctx, resource: str, params: dict[str, str], res: odata.Resource) -> dict[str, Any]:
        select = self._select(params["select"], res) if "select" in params else None
        expand = params.get("expand")
        if expand is not None and not (resource == "groups" and expand.strip() == "members"):
            raise GraphError(
                400, "Request_UnsupportedQuery", "The query option '$expand' is not supported for delta queries."
            )
        ids = self._id_filter(params.get("filter"), res)
        members = resource == "groups" and (select is None or "members" in select or expand is not None)
        seq = self.service.directory.seq
        return {"r": resource, "s": select, "f": ids, "x": members, "w": seq, "c": seq, "p": "i", "o": 0, "m": 0}

    @staticmethod
    def _id_filter(text: str | None, res: odata.Resource) -> list[str] | None:
        if text is None:
            return None
        node = odata._Parser(text, res).parse()
        ids: list[str] = []

        def walk(n: Any) -> None:
            if n[0] == "or":
                walk(n[1])
                walk(n[2])
            elif n[0] == "eq" and n[1] == "id" and isinstance(n[2], str):
                ids.append(n[2])
            else:
                raise odata.unsupported_property(n[1] if len(n) > 1 and isinstance(n[1], str) else "id", res)

        walk(node)
        if len(ids) > MAX_ID_FILTER:
            raise GraphError(
                400, "Request_UnsupportedQuery", "The number of ids in the filter exceeds the limit of 50."
            )
        return ids

    # ------------------------------------------------------------------------------------------ units
    def _tracked(self, resource: str, state: dict[str, Any]) -> frozenset[str]:
        if state["s"]:
            return frozenset(state["s"]) - {"members"}
        return frozenset(odata.DEFAULT_USER_SELECT if resource == "users" else odata.GROUP_DEFAULT_SELECT)

    def _round_ids(self, kind: str, state: dict[str, Any]) -> list[tuple[str, str | None]]:
        """The objects of an initial round, fixed when the round starts (its watermark), so that paging is stable
        and each page costs O(page) even for 100,000 users. Objects created later surface in the next round
        (their log entries are after the watermark); objects deleted meanwhile surface as ``@removed``."""
        d = self.service.directory
        key = (kind, state["w"], tuple(state["f"]) if state["f"] is not None else None)
        cached = self._rounds.get(key)
        if cached is not None:
            self._rounds.move_to_end(key)
            return cached
        table = d.users if kind == "user" else d.groups
        wanted = set(state["f"]) if state["f"] is not None else None
        ids: list[tuple[str, str | None]] = [(oid, None) for oid in table if wanted is None or oid in wanted]
        ids += [
            (oid, "changed")
            for oid, entry in d.deleted.items()
            if entry["kind"] == kind and (wanted is None or oid in wanted)
        ]
        self._rounds[key] = ids
        while len(self._rounds) > 8:
            self._rounds.popitem(last=False)
        return ids

    def _initial_unit(self, kind: str, state: dict[str, Any], oid: str, removed: str | None) -> _Unit:
        d = self.service.directory
        table = d.users if kind == "user" else d.groups
        if removed is None and oid not in table:
            removed = "changed" if oid in d.deleted else "deleted"
        if removed is not None:
            return _Unit(oid, removed, frozenset(), [], True)
        members: list[dict[str, Any]] = (
            [{"@odata.type": f"#microsoft.graph.{k}", "id": m} for m, k in d.members[oid].items()] if state["x"] else []
        )
        return _Unit(oid, None, frozenset(), members, True)

    def _units(self, resource: str, state: dict[str, Any]) -> Sequence[_Unit]:
        d = self.service.directory
        kind = "user" if resource == "users" else "group"
        table = d.users if kind == "user" else d.groups
        wanted = set(state["f"]) if state["f"] is not None else None
        if state["p"] == "i":
            return _LazyUnits(self._round_ids(kind, state), lambda pair: self._initial_unit(kind, state, *pair))
        units: list[_Unit] = []
        tracked = self._tracked(resource, state)
        if kind == "user" and state["s"] and "manager" in state["s"]:
            tracked = tracked | {"manager"}
        changed: dict[str, set[str]] = {}
        events: dict[str, str] = {}
        member_changes: dict[str, dict[str, tuple[str, str]]] = {}
        start = bisect.bisect_right(d.log, state["w"], key=lambda c: c.seq)
        end = bisect.bisect_right(d.log, state["c"], key=lambda c: c.seq)
        change: Change
        for change in d.log[start:end]:
            if change.kind != kind or (wanted is not None and change.object_id not in wanted):
                continue
            oid = change.object_id
            if change.event in ("member_add", "member_remove"):
                if state["x"]:
                    member_changes.setdefault(oid, {})[change.member_id] = (change.event, change.member_type)
                    changed.setdefault(oid, set())
                continue
            events[oid] = change.event
            if change.event == "upsert":
                hits = change.props & tracked
                if hits:
                    changed.setdefault(oid, set()).update(hits)
            else:
                changed.setdefault(oid, set())
        for oid, props in changed.items():
            event = events.get(oid, "upsert")
            if oid in table:
                members: list[dict[str, Any]] = []
                for mid, (ev, mtype) in member_changes.get(oid, {}).items():
                    entry: dict[str, Any] = {"@odata.type": f"#microsoft.graph.{mtype}", "id": mid}
                    if ev == "member_remove":
                        entry["@removed"] = {"reason": "deleted"}
                    members.append(entry)
                if props or members or event != "upsert":
                    units.append(_Unit(oid, None, frozenset(props), members, event != "upsert"))
            elif oid in d.deleted:
                units.append(_Unit(oid, "changed", frozenset(), [], True))
            elif event in ("hard", "soft"):
                units.append(_Unit(oid, "deleted", frozenset(), [], True))
        return units

    def _page(
        self, units: Sequence[_Unit], state: dict[str, Any]
    ) -> tuple[list[tuple[_Unit, list[dict[str, Any]] | None]], dict[str, Any], bool]:
        """Fill one page: each object counts 1, each members@delta entry 1; a group whose members overflow
        the page takes the rest of it and re-appears on the next page with the next slice."""
        cfg = self.service.faults.config
        budget = cfg.delta_page_size
        out: list[tuple[_Unit, list[dict[str, Any]] | None]] = []
        index, member_offset = state["o"], state["m"]
        while index < len(units) and budget > 0:
            unit = units[index]
            budget -= 1
            remaining = unit.members[member_offset:]
            slice_size = min(len(remaining), max(budget, 1), cfg.members_delta_page_size)
            members = remaining[:slice_size] if unit.members else None
            out.append((unit, members))
            budget -= slice_size
            if slice_size < len(remaining):
                member_offset += slice_size
                break
            index, member_offset = index + 1, 0
        done = index >= len(units)
        return out, {**state, "o": index, "m": member_offset}, done

    # ------------------------------------------------------------------------------------------ rendering
    def _render(
        self,
        resource: str,
        unit: _Unit,
        members: list[dict[str, Any]] | None,
        state: dict[str, Any],
        minimal: bool,
    ) -> dict[str, Any]:
        if unit.removed is not None:
            return {"id": unit.object_id, "@removed": {"reason": unit.removed}}
        d = self.service.directory
        obj = d.users[unit.object_id] if resource == "users" else d.groups[unit.object_id]
        tracked = self._tracked(resource, state)
        if minimal and state["p"] == "c" and not unit.full_state:
            names: Iterable[str] = sorted(unit.changed)
            out = {n: odata.property_value(obj, n) for n in names if n != "manager"}
        else:
            # set properties with their value, changed ones even when now null; never-set ones omitted (§4.2)
            out = {
                n: odata.property_value(obj, n)
                for n in tracked
                if (n in obj or n in unit.changed) and n not in ("id", "manager")
            }
            if resource == "users" and "onPremisesExtensionAttributes" in tracked:
                out["onPremisesExtensionAttributes"] = odata.property_value(obj, "onPremisesExtensionAttributes")
        out["id"] = unit.object_id
        if resource == "users" and state["s"] and "manager" in state["s"]:
            manager = d.managers.get(unit.object_id)
            if manager is not None and (not minimal or "manager" in unit.changed):
                out["manager@delta"] = [{"@odata.type": "#microsoft.graph.user", "id": manager}]
        if members:
            out["members@delta"] = members
        return out

    def _body(
        self, ctx: Ctx, resource: str, state: dict[str, Any], values: list[dict[str, Any]], *, done: bool
    ) -> dict[str, Any]:
        token = self._sign({**state, "t": self.service.clock()})
        select = state["s"]
        body: dict[str, Any] = {"@odata.context": f"{odata.GRAPH_CONTEXT}{resource}{odata.context_suffix(select)}"}
        link = f"{ctx.link_base}/{resource}/delta?"
        if done:
            body["@odata.deltaLink"] = f"{link}$deltatoken={token}"
        else:
            body["@odata.nextLink"] = f"{link}$skiptoken={token}"
        body["value"] = values
        return body
