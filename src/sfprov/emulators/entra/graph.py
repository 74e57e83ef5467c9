"""Microsoft Graph v1.0 over the in-memory tenant: routing, bearer check, application permissions, collections with
paging, and the error envelope.

Every request, whether it arrives over HTTP or inside a ``$batch``, goes through :meth:`GraphService.handle`: the
bearer token is verified, the call is counted and may draw a fault (:mod:`.faults`), the route's application
permission is checked (403 ``Authorization_RequestDenied`` "Insufficient privileges to complete the operation."),
then the handler runs under the emulator lock. Shapes, status codes and messages follow reference
``entra-graph.md`` §2-§9 and the Graph API pages cited on each handler.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sfprov.emulators.entra import odata
from sfprov.emulators.entra.directory import Directory, GraphError, bad_request, not_found
from sfprov.emulators.entra.faults import Faults
from sfprov.emulators.entra.odata import Query, Resource

_log = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"


class Claims(Protocol):
    """What the token service tells Graph about a caller (tokens.AccessClaims)."""

    @property
    def tenant_id(self) -> str: ...
    @property
    def app_id(self) -> str: ...
    @property
    def roles(self) -> frozenset[str]: ...


class BearerVerifier(Protocol):
    def verify_bearer(self, authorization: str | None) -> Claims:
        """Return the caller's claims or raise :class:`GraphError` (401 ``InvalidAuthenticationToken`` …)."""
        ...


# Application permissions that allow each kind of call (Graph API pages, "Permissions" tables).
_DIR_READ = frozenset({"Directory.Read.All", "Directory.ReadWrite.All"})
READ_USERS = _DIR_READ | {"User.Read.All", "User.ReadWrite.All"}
WRITE_USERS = frozenset({"User.ReadWrite.All", "Directory.ReadWrite.All"})
READ_GROUPS = _DIR_READ | {"Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "GroupMember.ReadWrite.All"}
WRITE_MEMBERS = frozenset({"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"})
WRITE_GROUPS = frozenset({"Group.ReadWrite.All", "Directory.ReadWrite.All"})
READ_APPS = _DIR_READ | {"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"}
READ_ASSIGNMENTS = READ_APPS
"""serviceprincipal-list-approleassignedto: Application.Read.All … (AppRoleAssignment.ReadWrite.All is not listed)."""
READ_PRINCIPAL_ASSIGNMENTS = frozenset(
    {"Directory.Read.All", "Directory.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"}
)
"""user-list-approleassignments: Directory.Read.All least privileged; User.Read.All is not enough."""
WRITE_ASSIGNMENTS = frozenset({"AppRoleAssignment.ReadWrite.All"})
WRITE_APPS = frozenset({"Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"})


_BASE_COST = {
    "GET /users": 2,
    "GET /users/delta": 2,
    "GET /groups/{id}/members": 3,
    "GET /groups/{id}/transitiveMembers": 5,
    "GET /users/{id}/appRoleAssignments": 2,
}
"""Resource units per request (throttling-limits.md, identity and access: ``GET users`` 2, ``members`` 3,
``transitiveMembers`` 5, ``appRoleAssignments`` 2, any other GET 1, writes 1)."""


def resource_units(method: str, endpoint: str, params: Mapping[str, str]) -> int:
    """The documented cost model: base cost, ``$select`` −1, ``$expand`` +1, ``$top`` below 20 −1, at least 1."""
    if method != "GET":
        return 1
    cost = _BASE_COST.get(endpoint, 1)
    names = {k.lstrip("$").lower(): v for k, v in params.items()}
    if "select" in names:
        cost -= 1
    if "expand" in names:
        cost += 1
    top = names.get("top", "")
    if top.isdigit() and int(top) < 20:
        cost -= 1
    return max(cost, 1)


def insufficient_privileges() -> GraphError:
    return GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


@dataclass
class GraphRequest:
    method: str
    path: str
    """Path after ``/v1.0``, percent-decoded (``/users/delta()``)."""
    params: dict[str, str]
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes
    base_url: str
    """Scheme and authority the client used (``https://127.0.0.1:port``): next and delta links point there."""

    def json(self) -> Any:
        if not self.body:
            raise bad_request("Empty Payload. JSON content expected.")
        try:
            return json.loads(self.body)
        except ValueError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from None

    @property
    def eventual(self) -> bool:
        return self.headers.get("consistencylevel", "").lower() == "eventual"


@dataclass
class GraphResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    items: int = 0


@dataclass
class Ctx:
    req: GraphRequest
    claims: Claims

    @property
    def link_base(self) -> str:
        return f"{self.req.base_url}/v1.0"


Handler = Callable[..., GraphResponse]


@dataclass(frozen=True)
class RouteSpec:
    method: str
    pattern: re.Pattern[str]
    endpoint: str
    permissions: frozenset[str] | None
    handler: Handler


_ID = r"([^/()]+)"
_LINK_SAFE = ",'()$:*=/@"
_DELTA = r"(?:delta|delta\(\)|microsoft\.graph\.delta(?:\(\))?)"


def error_body(err: GraphError, request_id: str, client_request_id: str, now: float) -> dict[str, Any]:
    """``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`` (§2)."""
    inner: dict[str, str] = {}
    if err.inner:
        inner.update(err.inner)
    inner["date"] = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    inner["request-id"] = request_id
    inner["client-request-id"] = client_request_id
    return {"error": {"code": err.code, "message": err.message, "innerError": inner}}


class GraphService:
    """The Graph API of one tenant. ``handle`` is the single entry point for HTTP and ``$batch``."""

    def __init__(
        self,
        directory: Directory,
        verifier: BearerVerifier,
        faults: Faults,
        *,
        lock: threading.RLock | None = None,
        clock: Callable[[], float] = time.time,
        secret: bytes = b"",
    ) -> None:
        from sfprov.emulators.entra.batch import run_batch
        from sfprov.emulators.entra.delta import DeltaEngine

        self.directory = directory
        self.verifier = verifier
        self.faults = faults
        self.lock = lock or threading.RLock()
        self.clock = clock
        self.secret = secret or uuid.uuid4().bytes
        self.delta = DeltaEngine(self)
        self._run_batch = run_batch
        self._cache: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
        self.routes = self._build_routes()

    # ------------------------------------------------------------------------------------------ entry points
    async def handle(self, req: GraphRequest) -> GraphResponse:
        request_id = str(uuid.uuid4())
        client_request_id = req.headers.get("client-request-id", request_id)
        try:
            if req.method == "POST" and req.path.rstrip("/") == "/$batch":
                self.verifier.verify_bearer(req.headers.get("authorization"))
                resp = await self._run_batch(self, req)
            else:
                resp = await self._handle_one(req)
        except GraphError as err:
            resp = GraphResponse(err.status, error_body(err, request_id, client_request_id, self.clock()), err.headers)
        except Exception:  # an emulator bug: answer as Graph's 500 would, and keep the traceback in the log
            _log.exception("Graph emulator failure on %s %s", req.method, req.path)
            failure = GraphError(500, "generalException", "An unspecified error has occurred.")
            resp = GraphResponse(500, error_body(failure, request_id, client_request_id, self.clock()))
        resp.headers.setdefault("request-id", request_id)
        resp.headers.setdefault("client-request-id", client_request_id)
        return resp

    async def _handle_one(self, req: GraphRequest) -> GraphResponse:
        claims = self.verifier.verify_bearer(req.headers.get("authorization"))
        spec, groups = self.match(req.method, req.path)
        self.faults.admit(claims.app_id, claims.tenant_id, spec.endpoint, self.clock())
        if spec.permissions is not None and not (claims.roles & spec.permissions):
            raise insufficient_privileges()
        with self.lock:
            resp = spec.handler(Ctx(req, claims), *groups)
        resp.headers["x-ms-resource-unit"] = str(resource_units(req.method, spec.endpoint, req.params))
        delay = self.faults.latency_seconds(resp.items)
        if delay > 0:
            await asyncio.sleep(delay)
        return resp

    def match(self, method: str, path: str) -> tuple[RouteSpec, tuple[str, ...]]:
        path = path.rstrip("/") or "/"
        allowed = False
        for spec in self.routes:
            m = spec.pattern.fullmatch(path)
            if m is None:
                continue
            if spec.method == method:
                return spec, m.groups()
            allowed = True
        if allowed:
            raise GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
        segment = path.rsplit("/", 1)[-1] or path
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")

    # ------------------------------------------------------------------------------------------ routing table
    def _build_routes(self) -> list[RouteSpec]:
        r: list[RouteSpec] = []

        def add(method: str, pattern: str, endpoint: str, perms: frozenset[str] | None, handler: Handler) -> None:
            r.append(RouteSpec(method, re.compile(pattern), endpoint, perms, handler))

        d = self.delta
        add("GET", r"/users", "GET /users", READ_USERS, self.list_users)
        add("POST", r"/users", "POST /users", WRITE_USERS, self.create_user)
        add("GET", r"/users/\$count", "GET /users/$count", READ_USERS, self.count_users)
        add("GET", rf"/users/{_DELTA}", "GET /users/delta", READ_USERS, d.users)
        add("GET", rf"/users/{_ID}/manager", "GET /users/{id}/manager", READ_USERS, self.get_manager)
        add("PUT", rf"/users/{_ID}/manager/\$ref", "PUT /users/{id}/manager/$ref", WRITE_USERS, self.put_manager)
        add("DELETE", rf"/users/{_ID}/manager/\$ref", "DELETE /users/{id}/manager/$ref", WRITE_USERS, self.del_manager)
        add(
            "GET",
            rf"/users/{_ID}/appRoleAssignments",
            "GET /users/{id}/appRoleAssignments",
            READ_PRINCIPAL_ASSIGNMENTS,
            self.list_principal_assignments_user,
        )
        add(
            "POST",
            rf"/users/{_ID}/appRoleAssignments",
            "POST /users/{id}/appRoleAssignments",
            WRITE_ASSIGNMENTS,
            self.create_assignment_user,
        )
        add(
            "DELETE",
            rf"/users/{_ID}/appRoleAssignments/{_ID}",
            "DELETE /users/{id}/appRoleAssignments/{id}",
            WRITE_ASSIGNMENTS,
            self.delete_assignment_user,
        )
        add("GET", rf"/users/{_ID}", "GET /users/{id}", READ_USERS, self.get_user)
        add("PATCH", rf"/users/{_ID}", "PATCH /users/{id}", WRITE_USERS, self.update_user)
        add("DELETE", rf"/users/{_ID}", "DELETE /users/{id}", WRITE_USERS, self.delete_user)

        add("GET", r"/groups", "GET /groups", READ_GROUPS, self.list_groups)
        add("POST", r"/groups", "POST /groups", WRITE_GROUPS, self.create_group)
        add("GET", r"/groups/\$count", "GET /groups/$count", READ_GROUPS, self.count_groups)
        add("GET", rf"/groups/{_DELTA}", "GET /groups/delta", READ_GROUPS, d.groups)
        for relation in ("members", "transitiveMembers"):
            cast = r"(?:/microsoft\.graph\.(user|group|servicePrincipal))?"
            add(
                "GET",
                rf"/groups/{_ID}/({relation}){cast}",
                f"GET /groups/{{id}}/{relation}",
                READ_GROUPS,
                self.list_members,
            )
            add(
                "GET",
                rf"/groups/{_ID}/({relation}){cast}/\$count",
                f"GET /groups/{{id}}/{relation}/$count",
                READ_GROUPS,
                self.count_members,
            )
        add("POST", rf"/groups/{_ID}/members/\$ref", "POST /groups/{id}/members/$ref", WRITE_MEMBERS, self.add_member)
        add(
            "DELETE",
            rf"/groups/{_ID}/members/{_ID}/\$ref",
            "DELETE /groups/{id}/members/{id}/$ref",
            WRITE_MEMBERS,
            self.remove_member,
        )
        add(
            "GET",
            rf"/groups/{_ID}/appRoleAssignments",
            "GET /groups/{id}/appRoleAssignments",
            READ_PRINCIPAL_ASSIGNMENTS,
            self.list_principal_assignments_group,
        )
        add(
            "POST",
            rf"/groups/{_ID}/appRoleAssignments",
            "POST /groups/{id}/appRoleAssignments",
            WRITE_ASSIGNMENTS,
            self.create_assignment_group,
        )
        add(
            "DELETE",
            rf"/groups/{_ID}/appRoleAssignments/{_ID}",
            "DELETE /groups/{id}/appRoleAssignments/{id}",
            WRITE_ASSIGNMENTS,
            self.delete_assignment_group,
        )
        add("GET", rf"/groups/{_ID}", "GET /groups/{id}", READ_GROUPS, self.get_group)
        add("PATCH", rf"/groups/{_ID}", "PATCH /groups/{id}", WRITE_GROUPS, self.update_group)
        add("DELETE", rf"/groups/{_ID}", "DELETE /groups/{id}", WRITE_GROUPS, self.delete_group)

        add("GET", r"/servicePrincipals", "GET /servicePrincipals", READ_APPS, self.list_service_principals)
        add(
            "GET",
            r"/servicePrincipals(?:/([^/()]+)|\(appId='([^']+)'\))"
            r"/appRoleAssignedTo",
            "GET /servicePrincipals/{id}/appRoleAssignedTo",
            READ_ASSIGNMENTS,
            self.list_assigned_to,
        )
        add(
            "POST",
            r"/servicePrincipals(?:/([^/()]+)|\(appId='([^']+)'\))/appRoleAssignedTo",
            "POST /servicePrincipals/{id}/appRoleAssignedTo",
            WRITE_ASSIGNMENTS,
            self.create_assigned_to,
        )
        add(
            "DELETE",
            rf"/servicePrincipals(?:/([^/()]+)|\(appId='([^']+)'\))/appRoleAssignedTo/{_ID}",
            "DELETE /servicePrincipals/{id}/appRoleAssignedTo/{id}",
            WRITE_ASSIGNMENTS,
            self.delete_assigned_to,
        )
        add(
            "GET",
            r"/servicePrincipals(?:/([^/()]+)|\(appId='([^']+)'\))",
            "GET /servicePrincipals/{id}",
            READ_APPS,
            self.get_service_principal,
        )

        add("GET", r"/applications", "GET /applications", READ_APPS, self.list_applications)
        add(
            "GET",
            r"/applications(?:/([^/()]+)|\(appId='([^']+)'\))",
            "GET /applications/{id}",
            READ_APPS,
            self.get_application,
        )
        add(
            "PATCH",
            r"/applications(?:/([^/()]+)|\(appId='([^']+)'\))",
            "PATCH /applications/{id}",
            WRITE_APPS,
            self.update_application,
        )

        add(
            "GET",
            r"/directory/deletedItems/microsoft\.graph\.user",
            "GET /directory/deletedItems/microsoft.graph.user",
            READ_USERS,
            self.list_deleted_users,
        )
        add("GET", rf"/directory/deletedItems/{_ID}", "GET /directory/deletedItems/{id}", READ_USERS, self.get_deleted)
        add(
            "POST",
            rf"/directory/deletedItems/{_ID}/restore",
            "POST /directory/deletedItems/{id}/restore",
            WRITE_USERS,
            self.restore,
        )
        add("DELETE", rf"/directory/deletedItems/{_ID}", "DELETE /directory/deletedItems/{id}", WRITE_USERS, self.purge)
        return r

    # ------------------------------------------------------------------------------------------ collections
    def _skiptoken(self, key: str, offset: int) -> str:
        payload = base64.urlsafe_b64encode(json.dumps([key, offset]).encode()).decode().rstrip("=")
        sig = hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{payload}.{sig}"

    def _offset(self, token: str | None, key: str) -> int:
        """Skip tokens are signed and bound to the query they page; anything else is refused (UNVERIFIED text)."""
        if token is None:
            return 0
        payload, _, sig = token.partition(".")
        good = hmac.new(self.secret, payload.encode(), hashlib.sha256).hexdigest()[:24]
        try:
            if not hmac.compare_digest(sig, good):
                raise ValueError
            got_key, offset = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            if got_key != key or not isinstance(offset, int):
                raise ValueError
        except ValueError:
            raise GraphError(
                400,
                "Directory_ExpiredPageToken",
                "The specified page token value has expired and can no longer be included in your request.",
            ) from None
        return offset

    def _matching(self, name: str, q: Query, source: Callable[[], Iterable[dict[str, Any]]]) -> list[dict[str, Any]]:
        key = (name, q.filter_text, repr(q.search), q.orderby, self.directory.version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        items = list(source())
        if q.filter is not None:
            items = [o for o in items if odata.evaluate(q.filter, o)]
        if q.search:
            items = [o for o in items if odata.search_matches(o, q.search)]
        if q.orderby:
            prop, desc = q.orderby
            present = [o for o in items if o.get(prop) is not None]
            absent = [o for o in items if o.get(prop) is None]
            present.sort(key=lambda o: str(o[prop]).casefold(), reverse=desc)
            items = present + absent
        self._cache[key] = items
        while len(self._cache) > 32:
            self._cache.popitem(last=False)
        return items

    def page(
        self,
        ctx: Ctx,
        name: str,
        resource: Resource,
        source: Callable[[], Iterable[dict[str, Any]]],
        render: Callable[[dict[str, Any], Query], dict[str, Any]],
        context: str,
        *,
        allow: frozenset[str] = frozenset({"select", "filter", "top", "count", "orderby", "search", "expand"}),
        q: Query | None = None,
    ) -> GraphResponse:
        """One page of a directory collection, with ``@odata.count`` on the first page only and a nextLink that
        repeats the query options plus ``$skiptoken`` (paging.md; reference §7)."""
        if q is None:
            q = odata.parse_query(ctx.req.params, resource, consistency_eventual=ctx.req.eventual, allow=allow)
        items = self._matching(name, q, source)
        key = hashlib.sha256(repr((name, q.filter_text, q.search, q.orderby, q.select, q.top)).encode()).hexdigest()
        offset = self._offset(q.skiptoken, key[:16])
        size = q.top or resource.default_page
        chunk = items[offset : offset + size]
        body: dict[str, Any] = {"@odata.context": odata.GRAPH_CONTEXT + context + odata.context_suffix(q.select)}
        if q.count and offset == 0:
            body["@odata.count"] = len(items)
        if offset + size < len(items):
            params = {k: v for k, v in ctx.req.params.items() if k.lstrip("$").lower() != "skiptoken"}
            params["$skiptoken"] = self._skiptoken(key[:16], offset + size)
            query = "&".join(f"{k}={quote(v, safe=_LINK_SAFE)}" for k, v in params.items())
            body["@odata.nextLink"] = f"{ctx.link_base}{ctx.req.path}?{query}"
        body["value"] = [render(o, q) for o in chunk]
        return GraphResponse(200, body, items=len(chunk))

    # ------------------------------------------------------------------------------------------ rendering
    def render_user(self, user: Mapping[str, Any], q: Query | None) -> dict[str, Any]:
        select = q.select if q and q.select else odata.DEFAULT_USER_SELECT
        out = odata.shape(user, select)
        if q and q.expand and "manager" in q.expand:
            manager_id = self.directory.managers.get(user["id"])
            if manager_id in self.directory.users:
                manager = self.directory.users[manager_id]
                out["manager"] = {
                    "@odata.type": "#microsoft.graph.user",
                    **odata.shape(manager, odata.DEFAULT_USER_SELECT),
                }
        return out

    def render_group(self, group: Mapping[str, Any], q: Query | None) -> dict[str, Any]:
        """``$expand=members`` inlines at most 20 members, as Graph documents for expanded relationships
        (group-list-members.md: "$expand … returns a maximum of 20 objects")."""
        out = odata.shape(
            group, [s for s in q.select if s != "members"] if q and q.select else odata.GROUP_DEFAULT_SELECT
        )
        if q and q.expand and "members" in q.expand:
            members = list(self.directory.members.get(group["id"], {}).items())[:20]
            out["members"] = [self.render_member(mid, kind, None) for mid, kind in members]
        return out

    def render_service_principal(self, sp: Mapping[str, Any], q: Query | None) -> dict[str, Any]:
        full = {**sp, "appRoles": self.directory.app_roles_of(sp)}
        return odata.shape(full, q.select if q and q.select else odata.SERVICE_PRINCIPAL_DEFAULT_SELECT)

    def render_application(self, app: Mapping[str, Any], q: Query | None) -> dict[str, Any]:
        return odata.shape(app, q.select if q and q.select else odata.APPLICATION_DEFAULT_SELECT)

    def render_assignment(self, a: Mapping[str, Any], q: Query | None) -> dict[str, Any]:
        return odata.shape(a, q.select if q and q.select else odata.APP_ROLE_ASSIGNMENT_SELECT)

    def render_member(self, obj_id: str, kind: str, q: Query | None, typed: bool = True) -> dict[str, Any]:
        """A directoryObject in a members list: ``@odata.type`` plus the type's default (or selected)
        properties; properties selected that the type lacks are left out."""
        d = self.directory
        if kind == "user":
            obj = d.users[obj_id]
            default: Iterable[str] = odata.DEFAULT_USER_SELECT
        elif kind == "group":
            obj = d.groups[obj_id]
            default = odata.GROUP_DEFAULT_SELECT
        else:
            obj = {**d.service_principals[obj_id], "appRoles": d.app_roles_of(d.service_principals[obj_id])}
            default = odata.SERVICE_PRINCIPAL_DEFAULT_SELECT
        selectable = odata.USER_SELECTABLE if kind == "user" else frozenset(default)
        select = [s for s in q.select if s in selectable] if q and q.select else default
        body = odata.shape(obj, select)
        return {"@odata.type": f"#microsoft.graph.{kind}", **body} if typed else body

    @staticmethod
    def _single(context: str, body: dict[str, Any], q: Query | None = None) -> GraphResponse:
        suffix = odata.context_suffix(q.select if q else None)
        return GraphResponse(200, {"@odata.context": f"{odata.GRAPH_CONTEXT}{context}{suffix}/$entity", **body})

    def _single_query(self, ctx: Ctx, resource: Resource) -> Query:
        return odata.parse_query(
            ctx.req.params, resource, consistency_eventual=ctx.req.eventual, allow=frozenset({"select", "expand"})
        )

    def _check_expand(self, q: Query, allowed: frozenset[str], type_name: str) -> None:
        for name in q.expand or []:
            if name not in allowed:
                raise GraphError(
                    400,
                    "BadRequest",
                    f"Parsing OData Select and Expand failed: Could not find a property named '{name}' on type "
                    f"'microsoft.graph.{type_name}'.",
                )

    # ------------------------------------------------------------------------------------------ users
    def list_users(self, ctx: Ctx) -> GraphResponse:
        """GET /users (user-list.md): default page 100, max 999, no ``$skip``."""
        q = odata.parse_query(ctx.req.params, odata.USERS, consistency_eventual=ctx.req.eventual)
        self._check_expand(q, frozenset({"manager"}), "user")
        return self.page(
            ctx, "users", odata.USERS, lambda: self.directory.users.values(), self.render_user, "users", q=q
        )

    def _count(
        self, ctx: Ctx, resource: Resource, name: str, source: Callable[[], Iterable[dict[str, Any]]]
    ) -> GraphResponse:
        """``/$count`` segment: advanced queries only; a plain-text number (aad-advanced-queries.md)."""
        if not ctx.req.eventual:
            raise bad_request("$count is not currently supported.")
        params = dict(ctx.req.params)
        params["$count"] = "true"
        q = odata.parse_query(params, resource, consistency_eventual=True, allow=frozenset({"filter", "search"}))
        return GraphResponse(200, str(len(self._matching(name, q, source))))

    def count_users(self, ctx: Ctx) -> GraphResponse:
        return self._count(ctx, odata.USERS, "users", lambda: self.directory.users.values())

    def get_user(self, ctx: Ctx, key: str) -> GraphResponse:
        q = self._single_query(ctx, odata.USERS)
        self._check_expand(q, frozenset({"manager"}), "user")
        return self._single("users", self.render_user(self.directory.user(key), q), q)

    def get_manager(self, ctx: Ctx, key: str) -> GraphResponse:
        """GET /users/{id}/manager: a directoryObject; 404 when none (user-list-manager.md)."""
        manager = self.directory.manager_of(key)
        q = self._single_query(ctx, odata.USERS)
        body = {"@odata.type": "#microsoft.graph.user", **self.render_user(manager, q)}
        return GraphResponse(200, {"@odata.context": odata.GRAPH_CONTEXT + "directoryObjects/$entity", **body})

    def _ref_id(self, ctx: Ctx) -> str:
        body = ctx.req.json()
        ref = body.get("@odata.id") if isinstance(body, dict) else None
        if not isinstance(ref, str):
            raise bad_request("Invalid object identifier ''.")
        match = re.search(r"/(?:directoryObjects|users|groups|servicePrincipals)/([^/?]+)$", ref) or re.fullmatch(
            r"([0-9a-fA-F-]{36})", ref
        )
        if match is None:
            raise bad_request(f"Invalid object identifier '{ref}'.")
        return match.group(1)

    def put_manager(self, ctx: Ctx, key: str) -> GraphResponse:
        self.directory.set_manager(key, self._ref_id(ctx))
        return GraphResponse(204)

    def del_manager(self, ctx: Ctx, key: str) -> GraphResponse:
        self.directory.manager_of(key)
        self.directory.set_manager(key, None)
        return GraphResponse(204)

    def create_user(self, ctx: Ctx) -> GraphResponse:
        """POST /users: 201 with the default property set (user-post-users.md)."""
        body = ctx.req.json()
        if not isinstance(body, dict):
            raise bad_request("Invalid request body.")
        body = {k: v for k, v in body.items() if not k.startswith("@odata")}
        user = self.directory.create_user(body)
        return GraphResponse(
            201, {"@odata.context": odata.GRAPH_CONTEXT + "users/$entity", **self.render_user(user, None)}
        )

    def update_user(self, ctx: Ctx, key: str) -> GraphResponse:
        """PATCH /users/{id}: 204 No Content (user-update.md)."""
        body = ctx.req.json()
        if not isinstance(body, dict):
            raise bad_request("Invalid request body.")
        self.directory.update_user(key, {k: v for k, v in body.items() if not k.startswith("@odata")})
        return GraphResponse(204)

    def delete_user(self, ctx: Ctx, key: str) -> GraphResponse:
        self.directory.delete_user(key)
        return GraphResponse(204)

    # ------------------------------------------------------------------------------------------ groups
    def list_groups(self, ctx: Ctx) -> GraphResponse:
        q = odata.parse_query(ctx.req.params, odata.GROUPS, consistency_eventual=ctx.req.eventual)
        self._check_expand(q, frozenset({"members"}), "group")
        return self.page(
            ctx, "groups", odata.GROUPS, lambda: self.directory.groups.values(), self.render_group, "groups", q=q
        )

    def count_groups(self, ctx: Ctx) -> GraphResponse:
        return self._count(ctx, odata.GROUPS, "groups", lambda: self.directory.groups.values())

    def get_group(self, ctx: Ctx, group_id: str) -> GraphResponse:
        q = self._single_query(ctx, odata.GROUPS)
        self._check_expand(q, frozenset({"members"}), "group")
        return self._single("groups", self.render_group(self.directory.group(group_id), q), q)

    def create_group(self, ctx: Ctx) -> GraphResponse:
        body = ctx.req.json()
        if not isinstance(body, dict):
            raise bad_request("Invalid request body.")
        group = self.directory.create_group({k: v for k, v in body.items() if not k.startswith("@odata")})
        return GraphResponse(
            201, {"@odata.context": odata.GRAPH_CONTEXT + "groups/$entity", **self.render_group(group, None)}
        )

    def update_group(self, ctx: Ctx, group_id: str) -> GraphResponse:
        body = ctx.req.json()
        if not isinstance(body, dict):
            raise bad_request("Invalid request body.")
        self.directory.update_group(group_id, body)
        return GraphResponse(204)

    def delete_group(self, ctx: Ctx, group_id: str) -> GraphResponse:
        self.directory.delete_group(group_id)
        return GraphResponse(204)

    def _member_entries(self, group_id: str, relation: str, cast: str | None) -> list[tuple[str, str]]:
        d = self.directory
        d.group(group_id)  # 404 for an unknown group
        entries = (
            d.transitive_members(group_id) if relation == "transitiveMembers" else list(d.members[group_id].items())
        )
        return [(mid, kind) for mid, kind in entries if cast is None or kind == cast]

    def list_members(self, ctx: Ctx, group_id: str, relation: str, cast: str | None) -> GraphResponse:
        """GET /groups/{id}/members and /transitiveMembers, optionally cast to one type
        (group-list-members.md, group-list-transitivemembers.md; reference §8)."""
        resource = {"user": odata.USERS, "group": odata.GROUPS, "servicePrincipal": odata.SERVICE_PRINCIPALS}.get(
            cast or "", odata.DIRECTORY_OBJECTS
        )
        q = odata.parse_query(
            ctx.req.params,
            resource,
            consistency_eventual=ctx.req.eventual,
            allow=frozenset({"select", "filter", "top", "count", "search"}),
        )
        entries = self._member_entries(group_id, relation, cast)
        objects = [self._member_object(mid, kind) for mid, kind in entries]
        context = {"user": "users", "group": "groups", "servicePrincipal": "servicePrincipals"}.get(
            cast or "", "directoryObjects"
        )
        return self.page(
            ctx,
            f"{relation}:{group_id}:{cast}",
            resource,
            lambda: objects,
            lambda o, qq: self.render_member(o["id"], o["_kind"], qq, typed=True),
            context,
            q=q,
        )

    def _member_object(self, mid: str, kind: str) -> dict[str, Any]:
        d = self.directory
        table = {"user": d.users, "group": d.groups, "servicePrincipal": d.service_principals}[kind]
        return {**table[mid], "_kind": kind}

    def count_members(self, ctx: Ctx, group_id: str, relation: str, cast: str | None) -> GraphResponse:
        if not ctx.req.eventual:
            raise bad_request("$count is not currently supported.")
        return GraphResponse(200, str(len(self._member_entries(group_id, relation, cast))))

    def add_member(self, ctx: Ctx, group_id: str) -> GraphResponse:
        """POST /groups/{id}/members/$ref with ``{"@odata.id": ".../directoryObjects/{id}"}``: 204."""
        self.directory.add_member(group_id, self._ref_id(ctx))
        return GraphResponse(204)

    def remove_member(self, ctx: Ctx, group_id: str, member_id: str) -> GraphResponse:
        self.directory.remove_member(group_id, member_id)
        return GraphResponse(204)

    # ------------------------------------------------------------------------------------------ apps
    def list_service_principals(self, ctx: Ctx) -> GraphResponse:
        q = odata.parse_query(ctx.req.params, odata.SERVICE_PRINCIPALS, consistency_eventual=ctx.req.eventual)
        self._check_expand(q, frozenset(), odata.SERVICE_PRINCIPALS.type_name)
        return self.page(
            ctx,
            "servicePrincipals",
            odata.SERVICE_PRINCIPALS,
            lambda: self.directory.service_principals.values(),
            self.render_service_principal,
            "servicePrincipals",
            q=q,
        )

    def _sp(self, sp_id: str | None, app_id: str | None) -> dict[str, Any]:
        if app_id is not None:
            return self.directory.service_principal_by_app_id(app_id)
        return self.directory.service_principal(sp_id or "")

    def get_service_principal(self, ctx: Ctx, sp_id: str | None, app_id: str | None) -> GraphResponse:
        q = self._single_query(ctx, odata.SERVICE_PRINCIPALS)
        return self._single("servicePrincipals", self.render_service_principal(self._sp(sp_id, app_id), q), q)

    def list_assigned_to(self, ctx: Ctx, sp_id: str | None, app_id: str | None) -> GraphResponse:
        """GET /servicePrincipals/{id}/appRoleAssignedTo (serviceprincipal-list-approleassignedto.md)."""
        sp = self._sp(sp_id, app_id)
        return self.page(
            ctx,
            f"assignedTo:{sp['id']}",
            odata.APP_ROLE_ASSIGNMENTS,
            lambda: self.directory.assignments_to(sp["id"]),
            self.render_assignment,
            f"servicePrincipals('{sp['id']}')/appRoleAssignedTo",
        )

    def _assignment_body(self, ctx: Ctx) -> dict[str, Any]:
        body = ctx.req.json()
        if not isinstance(body, dict):
            raise bad_request("Invalid request body.")
        for name in ("principalId", "resourceId", "appRoleId"):
            if not isinstance(body.get(name), str):
                raise bad_request(f"Invalid value specified for property '{name}' of resource 'AppRoleAssignment'.")
        return body

    def _created_assignment(self, assignment: dict[str, Any], context: str) -> GraphResponse:
        return GraphResponse(
            201,
            {"@odata.context": f"{odata.GRAPH_CONTEXT}{context}/$entity", **self.render_assignment(assignment, None)},
        )

    def create_assigned_to(self, ctx: Ctx, sp_id: str | None, app_id: str | None) -> GraphResponse:
        sp = self._sp(sp_id, app_id)
        body = self._assignment_body(ctx)
        if body["resourceId"] != sp["id"]:
            raise bad_request("Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.")
        assignment = self.directory.assign_app_role(body["principalId"], sp["id"], body["appRoleId"])
        return self._created_assignment(assignment, f"servicePrincipals('{sp['id']}')/appRoleAssignedTo")

    def delete_assigned_to(self, ctx: Ctx, sp_id: str | None, app_id: str | None, assignment_id: str) -> GraphResponse:
        sp = self._sp(sp_id, app_id)
        self.directory.remove_assignment(assignment_id, resource_id=sp["id"])
        return GraphResponse(204)

    def _principal_assignments(self, ctx: Ctx, principal_id: str, collection: str) -> GraphResponse:
        return self.page(
            ctx,
            f"assignments:{principal_id}",
            odata.APP_ROLE_ASSIGNMENTS,
            lambda: self.directory.assignments_of(principal_id),
            self.render_assignment,
            f"{collection}('{principal_id}')/appRoleAssignments",
        )

    def list_principal_assignments_user(self, ctx: Ctx, key: str) -> GraphResponse:
        """GET /users/{id}/appRoleAssignments (user-list-approleassignments.md)."""
        return self._principal_assignments(ctx, self.directory.user(key)["id"], "users")

    def list_principal_assignments_group(self, ctx: Ctx, group_id: str) -> GraphResponse:
        return self._principal_assignments(ctx, self.directory.group(group_id)["id"], "groups")

    def _create_for_principal(self, ctx: Ctx, principal_id: str, collection: str) -> GraphResponse:
        body = self._assignment_body(ctx)
        if body["principalId"] != principal_id:
            raise bad_request("Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.")
        assignment = self.directory.assign_app_role(principal_id, body["resourceId"], body["appRoleId"])
        return self._created_assignment(assignment, f"{collection}('{principal_id}')/appRoleAssignments")

    def create_assignment_user(self, ctx: Ctx, key: str) -> GraphResponse:
        return self._create_for_principal(ctx, self.directory.user(key)["id"], "users")

    def create_assignment_group(self, ctx: Ctx, group_id: str) -> GraphResponse:
        return self._create_for_principal(ctx, self.directory.group(group_id)["id"], "groups")

    def delete_assignment_user(self, ctx: Ctx, key: str, assignment_id: str) -> GraphResponse:
        self.directory.remove_assignment(assignment_id, principal_id=self.directory.user(key)["id"])
        return GraphResponse(204)

    def delete_assignment_group(self, ctx: Ctx, group_id: str, assignment_id: str) -> GraphResponse:
        self.directory.remove_assignment(assignment_id, principal_id=self.directory.group(group_id)["id"])
        return GraphResponse(204)

    def list_applications(self, ctx: Ctx) -> GraphResponse:
        q = odata.parse_query(ctx.req.params, odata.APPLICATIONS, consistency_eventual=ctx.req.eventual)
        self._check_expand(q, frozenset(), odata.APPLICATIONS.type_name)
        return self.page(
            ctx,
            "applications",
            odata.APPLICATIONS,
            lambda: self.directory.applications.values(),
            self.render_application,
            "applications",
            q=q,
        )

    def _app(self, object_id: str | None, app_id: str | None) -> dict[str, Any]:
        if app_id is not None:
            for app in self.directory.applications.values():
                if app["appId"] == app_id:
                    return app
            raise not_found(app_id)
        return self.directory.application(object_id or "")

    def get_application(self, ctx: Ctx, object_id: str | None, app_id: str | None) -> GraphResponse:
        q = self._single_query(ctx, odata.APPLICATIONS)
        return self._single("applications", self.render_application(self._app(object_id, app_id), q), q)

    def update_application(self, ctx: Ctx, object_id: str | None, app_id: str | None) -> GraphResponse:
        """PATCH /applications/{id} (application-update.md): ``Application.ReadWrite.OwnedBy`` only for apps the
        caller owns."""
        app = self._app(object_id, app_id)
        if "Application.ReadWrite.All" not in ctx.claims.roles and not self.directory.application_owned_by(
            app["id"], ctx.claims.app_id
        ):
            raise insufficient_privileges()
        body = ctx.req.json()
        if not isinstance(body, dict):
            raise bad_request("Invalid request body.")
        self.directory.update_application(app["id"], body)
        return GraphResponse(204)

    # ------------------------------------------------------------------------------------------ deleted items
    def list_deleted_users(self, ctx: Ctx) -> GraphResponse:
        """GET /directory/deletedItems/microsoft.graph.user (directory-deleteditems-list.md)."""
        q = odata.parse_query(
            ctx.req.params,
            odata.USERS,
            consistency_eventual=ctx.req.eventual,
            allow=frozenset({"select", "filter", "top", "count", "orderby"}),
        )
        return self.page(
            ctx,
            "deletedUsers",
            odata.USERS,
            self.directory.deleted_users,
            lambda u, qq: (
                self.render_user(u, qq) | ({} if qq.select else {"deletedDateTime": u.get("deletedDateTime")})
            ),
            "directory/deletedItems/microsoft.graph.user",
            q=q,
        )

    def get_deleted(self, ctx: Ctx, object_id: str) -> GraphResponse:
        entry = self.directory.deleted.get(object_id)
        if entry is None:
            raise not_found(object_id)
        kind = entry["kind"]
        render = self.render_user if kind == "user" else self.render_group
        body = {
            "@odata.type": f"#microsoft.graph.{kind}",
            **render(entry["object"], None),
            "deletedDateTime": entry["object"].get("deletedDateTime"),
        }
        return GraphResponse(200, {"@odata.context": odata.GRAPH_CONTEXT + "directory/deletedItems/$entity", **body})

    def restore(self, ctx: Ctx, object_id: str) -> GraphResponse:
        """POST /directory/deletedItems/{id}/restore: 200 with the restored object (directory-deleteditems-restore)."""
        user = self.directory.restore(object_id)
        body = {"@odata.type": "#microsoft.graph.user", **self.render_user(user, None)}
        return GraphResponse(200, {"@odata.context": odata.GRAPH_CONTEXT + "directoryObjects/$entity", **body})

    def purge(self, ctx: Ctx, object_id: str) -> GraphResponse:
        self.directory.purge(object_id)
        return GraphResponse(204)

    # ------------------------------------------------------------------------------------------ ASGI
    def routes_for_starlette(self) -> list[BaseRoute]:
        return [Route("/v1.0/{path:path}", self._endpoint, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])]

    async def _endpoint(self, request: Request) -> Response:
        raw_path = request.scope.get("path", "")
        path = raw_path[len("/v1.0") :] or "/"
        req = GraphRequest(
            method=request.method,
            path=path,
            params=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
            base_url=f"{request.url.scheme}://{request.url.netloc}",
        )
        resp = await self.handle(req)
        return to_starlette(resp)


def to_starlette(resp: GraphResponse) -> Response:
    if resp.body is None:
        return Response(status_code=resp.status, headers=resp.headers)
    if isinstance(resp.body, str):
        return Response(resp.body, status_code=resp.status, headers=resp.headers, media_type="text/plain")
    content = json.dumps(resp.body, ensure_ascii=False).encode()
    return Response(content, status_code=resp.status, headers=resp.headers, media_type=JSON_CONTENT_TYPE)
