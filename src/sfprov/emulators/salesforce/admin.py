"""The emulator's own control surface: create orgs, users and apps, flip org switches, inject faults, read counters.

Why: tests and demos must set up situations a real org reaches only through Setup pages or bad luck (SOAP login()
switched off, a spent daily allowance, expired sessions, locked rows). The same operations exist as a Python API
(:class:`Admin`, on the facade as ``SalesforceEmulator.admin``) and as JSON over HTTP under ``/_emulator/``, a path
no Salesforce API uses. The HTTP API answers loopback clients; any other client must send the admin token of
``info()`` in ``X-Emulator-Admin-Token`` (the listeners bind to loopback by default, so that is the exception).

Every operation takes the runtime lock, so it never interleaves with a request being served.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from starlette.requests import Request
from starlette.responses import Response

from sfprov.emulators.salesforce.custom_fields import custom_field
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.schema import FieldType
from sfprov.emulators.salesforce.settings import OrgSettings
from sfprov.emulators.salesforce.store import Org

if TYPE_CHECKING:
    from sfprov.emulators.salesforce.app import Runtime

ADMIN_TOKEN_HEADER = "x-emulator-admin-token"  # noqa: S105 - a header name, not a secret
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass
class Admin:
    """The Python admin API. ``on_new_org`` is called (outside the lock) for each created org, so the facade can
    open its My Domain listener at once."""

    runtime: Runtime
    on_new_org: Callable[[Org], None] = lambda org: None
    passwords: dict[str, str] = field(default_factory=dict, repr=False)
    """Clear-text passwords set through this API, by lower-cased username, for ``info()`` (test credentials)."""
    jwt_keys: dict[str, str] = field(default_factory=dict, repr=False)
    """Private keys minted by :meth:`add_app`, by consumer key, for ``info()``."""

    # --- orgs and settings ----------------------------------------------------------------------------------------

    def org(self, org_id: str) -> Org:
        found = self.runtime.state.org_by_id(org_id)
        if found is None:
            raise KeyError(f"no org {org_id}")
        return found

    def create_org(self, name: str, *, settings: dict[str, Any] | None = None, **options: Any) -> Org:
        """Create an org (``kind``, ``my_domain``, ``sandbox_name``, ``edition`` as in ``EmulatorState.create_org``)
        with settings overriding the defaults of its kind (SOAP login() stays off unless said, as in new orgs)."""
        with self.runtime.lock:
            org = self.runtime.state.create_org(name, **options)
            if settings:
                self._apply_settings(org, settings)
        self.on_new_org(org)
        return org

    @staticmethod
    def _apply_settings(org: Org, values: dict[str, Any]) -> None:
        current = org.settings.to_json()
        unknown = sorted(set(values) - set(current))
        if unknown:
            raise ValueError(f"unknown org settings: {', '.join(unknown)}")
        for key, value in values.items():
            if type(value) is not type(current[key]):
                raise ValueError(f"setting {key} must be of type {type(current[key]).__name__}")
        org.settings = OrgSettings.from_json({**current, **values})

    def update_settings(self, org_id: str, **values: Any) -> OrgSettings:
        """Toggle org switches, e.g. ``soap_login_enabled=True`` or ``daily_api_requests=500``."""
        with self.runtime.lock:
            org = self.org(org_id)
            self._apply_settings(org, values)
            return org.settings

    # --- setup records ----------------------------------------------------------------------------------------------

    def add_licence(self, org_id: str, name: str, total: int) -> str:
        with self.runtime.lock:
            return self.org(org_id).add_user_license(name, total)

    def add_profile(self, org_id: str, name: str, licence_id: str, **permissions: bool) -> str:
        """``permissions`` as ``PermissionsApiEnabled=True`` (or ``api_enabled=True``)."""
        with self.runtime.lock:
            return self.org(org_id).add_profile(name, licence_id, **cast(dict[str, Any], permissions))

    def add_permission_set(self, org_id: str, name: str, **options: Any) -> str:
        with self.runtime.lock:
            return self.org(org_id).add_permission_set(name, **options)

    def add_custom_field(
        self, org_id: str, sobject: str, name: str, type_: FieldType = "string", **options: Any
    ) -> None:
        """Add a custom field such as ``Department__c`` to ``sobject`` (options of :func:`custom_fields.custom_field`:
        ``length``, ``required``, ``picklist``, ...)."""
        fdef = custom_field(name, type_, **options)
        with self.runtime.lock:
            self.org(org_id).add_custom_field(sobject, fdef)

    def add_user(self, org_id: str, values: dict[str, Any], *, password: str | None = None) -> str:
        """Create a user through the org's rules; with ``password`` it can log in (token: :meth:`security_token`)."""
        with self.runtime.lock:
            user_id = self.org(org_id).add_user(values, password=password)
        if password is not None:
            self.passwords[str(values["Username"]).lower()] = password
        return user_id

    def set_password(self, org_id: str, user_id: str, password: str, *, expired: bool = False) -> str:
        """Set a password (a new security token comes with it and is returned)."""
        with self.runtime.lock:
            org = self.org(org_id)
            token = org.set_password(user_id, password, expired=expired)
            user = org.user(user_id)
        if user is not None:
            self.passwords[str(user["Username"]).lower()] = password
        return token

    def security_token(self, org_id: str, user_id: str) -> str:
        with self.runtime.lock:
            return self.org(org_id).security_token(user_id)

    def add_app(self, org_id: str, name: str, *, generate_jwt_key: bool = False, **options: Any) -> dict[str, Any]:
        """Add an External Client App (options of ``Org.add_external_client_app``); returns its description with the
        consumer key and secret. ``generate_jwt_key`` mints an RSA key pair, uploads the certificate to the app and
        returns the private key (``jwt_private_key_pem``), which ``info()`` then reports too."""
        private_pem = None
        if generate_jwt_key:
            from sfprov.emulators.salesforce.seed import generate_jwt_key_pair

            private_pem, options["certificate_pem"] = generate_jwt_key_pair(f"sfprov-{name}")
        with self.runtime.lock:
            app = self.org(org_id).add_external_client_app(name, **options)
        answer: dict[str, Any] = {
            "id": app.id,
            "name": app.name,
            "consumer_key": app.consumer_key,
            "consumer_secret": app.consumer_secret,
            "client_credentials_enabled": app.client_credentials_enabled,
            "run_as_user_id": app.run_as_user_id,
        }
        if private_pem is not None:
            self.jwt_keys[app.consumer_key] = private_pem
            answer["jwt_private_key_pem"] = private_pem
        return answer

    def confirm_email_change(self, org_id: str, user_id: str) -> str:
        """ "Click the link" of a held e-mail change; returns the address now in ``Email``."""
        with self.runtime.lock:
            return self.org(org_id).confirm_email_change(user_id)

    # --- sessions, allowance, clock -------------------------------------------------------------------------------

    def expire_sessions(self, org_id: str | None = None) -> int:
        """End every session now (of one org or all): the next REST call answers ``401 INVALID_SESSION_ID``."""
        return self.runtime.sessions.expire_all(org_id)

    def set_api_usage(self, org_id: str, used: int) -> None:
        self.org(org_id)
        self.runtime.usage.set_used(org_id, used)

    def spend_allowance(self, org_id: str) -> None:
        """Use up the daily allowance: the next REST call answers ``403 REQUEST_LIMIT_EXCEEDED``."""
        self.set_api_usage(org_id, self.org(org_id).settings.daily_api_requests)

    def advance_clock(self, seconds: float) -> None:
        """Move the emulator's time forward (sessions, locators, held e-mail changes expire by it)."""
        self.runtime.clock.advance(seconds)

    # --- faults and counters ----------------------------------------------------------------------------------

    def set_faults(self, **values: Any) -> dict[str, Any]:
        """Configure latency and fault rates (see :class:`~sfprov.emulators.salesforce.faults.FaultConfig`)."""
        return self.runtime.faults.configure(**values).to_json()

    def clear_faults(self) -> None:
        self.runtime.faults.reset()

    def counters(self) -> dict[str, int]:
        return self.runtime.faults.counters()

    def reset_counters(self) -> None:
        self.runtime.faults.reset_counters()


# --- HTTP ------------------------------------------------------------------------------------------------------------


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)


def _allowed(request: Request, runtime: Runtime) -> bool:
    client = request.client.host if request.client else ""
    if client in _LOOPBACK:
        return True
    supplied = request.headers.get(ADMIN_TOKEN_HEADER, "")
    return hmac.compare_digest(supplied, runtime.admin_token)


def _org_json(runtime: Runtime, org: Org) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "kind": org.kind,
        "edition": org.edition,
        "my_domain": org.my_domain,
        "instance_url": runtime.base_url(org.my_domain),
        "settings": org.settings.to_json(),
    }


async def handle(request: Request, runtime: Runtime) -> Response:
    """Serve ``/_emulator/...``. The facade installs its :class:`Admin` as ``runtime.admin``."""
    if not _allowed(request, runtime):
        return _error(403, "admin API: send the admin token of info() in X-Emulator-Admin-Token")
    admin: Admin | None = getattr(runtime, "admin", None)
    if admin is None:
        return _error(503, "admin API not attached")
    parts = [p for p in request.url.path.split("/") if p][1:]
    raw = await request.body()
    try:
        payload: Any = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return _error(400, "body is not JSON")
    if not isinstance(payload, dict):
        return _error(400, "body must be a JSON object")
    try:
        return await _route(request.method, parts, payload, runtime, admin)
    except (KeyError, ValueError, TypeError) as exc:
        return _error(400, str(exc).strip("'\""))
    except SalesforceError as exc:
        return _json([exc.rest()], exc.status)


async def _route(method: str, parts: list[str], body: dict[str, Any], runtime: Runtime, admin: Admin) -> Response:
    route = (method, *parts)
    if route == ("GET", "orgs"):
        with runtime.lock:
            return _json([_org_json(runtime, org) for org in runtime.state.orgs.values()])
    if route == ("POST", "orgs"):
        name = body.pop("name")
        settings = body.pop("settings", None)
        # Opening the listener waits for the event loop this request runs on: do it from a worker thread.
        org = await asyncio.to_thread(admin.create_org, name, settings=settings, **body)
        return _json(_org_json(runtime, org), 201)
    if method == "PATCH" and len(parts) == 3 and parts[0] == "orgs" and parts[2] == "settings":
        return _json(admin.update_settings(parts[1], **body).to_json())
    if method == "POST" and len(parts) == 3 and parts[0] == "orgs":
        org_id, what = parts[1], parts[2]
        if what == "licences":
            return _json({"id": admin.add_licence(org_id, body["name"], int(body["total"]))}, 201)
        if what == "profiles":
            profile_id = admin.add_profile(org_id, body["name"], body["licence_id"], **body.get("permissions", {}))
            return _json({"id": profile_id}, 201)
        if what == "custom-fields":
            sobject, name, type_ = body.pop("sobject", "User"), body.pop("name"), body.pop("type", "string")
            admin.add_custom_field(org_id, sobject, name, type_, **body)
            return _json({"sobject": sobject, "name": name}, 201)
        if what == "permission-sets":
            return _json({"id": admin.add_permission_set(org_id, body.pop("name"), **body)}, 201)
        if what == "users":
            user_id = admin.add_user(org_id, body["values"], password=body.get("password"))
            return _json({"id": user_id, "security_token": admin.security_token(org_id, user_id)}, 201)
        if what == "apps":
            return _json(admin.add_app(org_id, body.pop("name"), **body), 201)
        if what == "expire-sessions":
            return _json({"expired": admin.expire_sessions(org_id)})
        if what == "spend-allowance":
            admin.spend_allowance(org_id)
            return _json({"spent": True})
        if what == "api-usage":
            admin.set_api_usage(org_id, int(body["used"]))
            return _json({"used": int(body["used"])})
    if method == "POST" and len(parts) == 5 and parts[0] == "orgs" and parts[2] == "users":
        org_id, user_id, action = parts[1], parts[3], parts[4]
        if action == "confirm-email":
            return _json({"email": admin.confirm_email_change(org_id, user_id)})
        if action == "password":
            token = admin.set_password(org_id, user_id, body["password"], expired=bool(body.get("expired", False)))
            return _json({"security_token": token})
    if route == ("POST", "sessions", "expire"):
        return _json({"expired": admin.expire_sessions(body.get("org_id"))})
    if route == ("GET", "faults"):
        return _json(runtime.faults.config.to_json())
    if route in (("PUT", "faults"), ("PATCH", "faults")):
        return _json(admin.set_faults(**body))
    if route == ("DELETE", "faults"):
        admin.clear_faults()
        return _json(runtime.faults.config.to_json())
    if route == ("GET", "counters"):
        return _json(admin.counters())
    if route == ("DELETE", "counters"):
        admin.reset_counters()
        return _json({})
    if route == ("POST", "clock", "advance"):
        admin.advance_clock(float(body["seconds"]))
        return _json({"offset_seconds": runtime.clock.offset})
    return _error(404, f"no admin route {method} /_emulator/{'/'.join(parts)}")
