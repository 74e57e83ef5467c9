"""The emulator's own control plane, kept apart from Graph: a Python API and the same operations over HTTP under
``/_emulator/...`` on the Graph listener.

Tests and demos use it to change the tenant behind the engine's back (as an Entra administrator would), inject
faults and read call counters. It takes no bearer token: it exists only on the loopback emulator, never on Graph's
own paths, and no Graph client will ever call it by mistake.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sfprov.emulators.entra.directory import DEFAULT_ACCESS_ROLE_ID, Directory, GraphError
from sfprov.emulators.entra.faults import FaultConfig, Faults

_DEFAULT_PASSWORD_PROFILE = {"password": "set-by-the-emulator-admin-api"}


class AdminApi:
    """Every method takes the emulator lock, so it is safe to call while the listeners serve requests."""

    def __init__(
        self,
        directory: Directory,
        faults: Faults,
        lock: threading.RLock,
        *,
        expire_access_tokens: Callable[[], None] | None = None,
        info: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.directory = directory
        self.faults = faults
        self.lock = lock
        self._expire_access_tokens = expire_access_tokens
        self._info = info

    # ------------------------------------------------------------------------------------------ directory
    def add_user(self, **props: Any) -> dict[str, Any]:
        """Create a member user; ``mailNickname``, ``passwordProfile`` and ``accountEnabled`` get defaults."""
        props.setdefault("accountEnabled", True)
        props.setdefault("mailNickname", str(props.get("userPrincipalName", "")).split("@")[0] or "user")
        props.setdefault("passwordProfile", dict(_DEFAULT_PASSWORD_PROFILE))
        with self.lock:
            return self.directory.create_user(props)

    def add_guest(self, email: str, display_name: str, **props: Any) -> dict[str, Any]:
        with self.lock:
            return self.directory.add_guest(email, display_name=display_name, **props)

    def update_user(self, key: str, **props: Any) -> dict[str, Any]:
        with self.lock:
            return self.directory.update_user(key, props)

    def disable_user(self, key: str) -> dict[str, Any]:
        return self.update_user(key, accountEnabled=False)

    def delete_user(self, key: str, *, permanent: bool = False) -> None:
        """Soft delete (``@removed: changed`` in delta); ``permanent`` also purges it (``deleted``)."""
        with self.lock:
            uid = self.directory.user(key)["id"]
            self.directory.delete_user(uid)
            if permanent:
                self.directory.purge(uid)

    def restore_user(self, object_id: str) -> dict[str, Any]:
        with self.lock:
            return self.directory.restore(object_id)

    def set_manager(self, user: str, manager: str | None) -> None:
        with self.lock:
            self.directory.set_manager(user, manager)

    def add_group(self, display_name: str, *, security: bool = True, unified: bool = False) -> dict[str, Any]:
        nickname = "".join(c for c in display_name.lower() if c.isalnum()) or "group"
        with self.lock:
            return self.directory.create_group(
                {
                    "displayName": display_name,
                    "mailEnabled": unified,
                    "mailNickname": nickname,
                    "securityEnabled": security,
                    "groupTypes": ["Unified"] if unified else [],
                }
            )

    def group_by_name(self, display_name: str) -> dict[str, Any]:
        with self.lock:
            for group in self.directory.groups.values():
                if group["displayName"] == display_name:
                    return group
        raise KeyError(display_name)

    def add_member(self, group_id: str, member_id: str) -> None:
        with self.lock:
            self.directory.add_member(group_id, member_id)

    def remove_member(self, group_id: str, member_id: str) -> None:
        with self.lock:
            self.directory.remove_member(group_id, member_id)

    def assign(self, principal_id: str, app_id: str, role: str | None = None) -> dict[str, Any]:
        """Assign a user or group to the app with the role named ``role`` (displayName, value or id), or with
        Default Access when ``role`` is None."""
        with self.lock:
            sp = self.directory.service_principal_by_app_id(app_id)
            role_id = DEFAULT_ACCESS_ROLE_ID
            if role is not None:
                matches = [
                    r["id"] for r in self.directory.app_roles_of(sp) if role in (r["id"], r["displayName"], r["value"])
                ]
                if not matches:
                    raise KeyError(role)
                role_id = matches[0]
            return self.directory.assign_app_role(principal_id, sp["id"], role_id)

    def unassign(self, assignment_id: str) -> None:
        with self.lock:
            self.directory.remove_assignment(assignment_id)

    # ------------------------------------------------------------------------------------------ faults
    def configure_faults(self, **settings: Any) -> FaultConfig:
        return self.faults.configure(**settings)

    def reset_faults(self) -> None:
        self.faults.reset()

    def counters(self) -> dict[str, Any]:
        return self.faults.counters()

    def expire_access_tokens(self) -> None:
        if self._expire_access_tokens is not None:
            self._expire_access_tokens()

    # ------------------------------------------------------------------------------------------ HTTP
    def routes(self) -> list[BaseRoute]:
        return [
            Route("/_emulator/info", self._http_info, methods=["GET"]),
            Route("/_emulator/counters", self._http_counters, methods=["GET"]),
            Route("/_emulator/faults", self._http_faults, methods=["GET", "POST", "DELETE"]),
            Route("/_emulator/tokens/expire", self._http_expire, methods=["POST"]),
            Route("/_emulator/users", self._http_add_user, methods=["POST"]),
            Route("/_emulator/users/{key}", self._http_user, methods=["PATCH", "DELETE"]),
            Route("/_emulator/groups/{gid}/members", self._http_add_member, methods=["POST"]),
            Route("/_emulator/groups/{gid}/members/{mid}", self._http_remove_member, methods=["DELETE"]),
            Route("/_emulator/assignments", self._http_assign, methods=["POST"]),
        ]

    @staticmethod
    def _fail(exc: Exception) -> Response:
        if isinstance(exc, GraphError):
            return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)
        return JSONResponse({"error": {"code": "invalidRequest", "message": str(exc)}}, status_code=400)

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        data = json.loads(raw) if raw else {}
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data

    async def _http_info(self, request: Request) -> Response:
        return JSONResponse(self._info() if self._info else {})

    async def _http_counters(self, request: Request) -> Response:
        return JSONResponse(self.counters())

    async def _http_faults(self, request: Request) -> Response:
        try:
            if request.method == "POST":
                self.configure_faults(**await self._body(request))
            elif request.method == "DELETE":
                self.reset_faults()
        except (ValueError, TypeError) as exc:
            return self._fail(exc)
        return JSONResponse(asdict(self.faults.config))

    async def _http_expire(self, request: Request) -> Response:
        self.expire_access_tokens()
        return Response(status_code=204)

    async def _http_add_user(self, request: Request) -> Response:
        try:
            return JSONResponse(self.add_user(**await self._body(request)), status_code=201)
        except (GraphError, ValueError) as exc:
            return self._fail(exc)

    async def _http_user(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            if request.method == "PATCH":
                return JSONResponse(self.update_user(key, **await self._body(request)))
            self.delete_user(key, permanent=request.query_params.get("permanent") == "true")
        except (GraphError, ValueError) as exc:
            return self._fail(exc)
        return Response(status_code=204)

    async def _http_add_member(self, request: Request) -> Response:
        try:
            self.add_member(request.path_params["gid"], str((await self._body(request)).get("id")))
        except (GraphError, ValueError) as exc:
            return self._fail(exc)
        return Response(status_code=204)

    async def _http_remove_member(self, request: Request) -> Response:
        try:
            self.remove_member(request.path_params["gid"], request.path_params["mid"])
        except GraphError as exc:
            return self._fail(exc)
        return Response(status_code=204)

    async def _http_assign(self, request: Request) -> Response:
        try:
            body = await self._body(request)
            created = self.assign(str(body.get("principalId")), str(body.get("appId")), body.get("role"))
        except (GraphError, ValueError, KeyError) as exc:
            return self._fail(exc)
        return JSONResponse(created, status_code=201)
