"""The OAuth 2.0 token endpoint ``/services/oauth2/token``: client credentials, JWT bearer and username-password.

Why: Salesforce's direction is External Client Apps and OAuth instead of SOAP ``login()`` (reference
``salesforce.md`` §10, §11), so sfprov's preferred login paths are client credentials (one integration user, My
Domain host only) and JWT bearer (signed assertion, no stored password). Each refusal here is the one a real org
gives, because a connector turns them into the operator's fix:

* client credentials on ``login``/``test`` hosts -> ``invalid_grant`` / ``request not supported on this domain``
  (KB 000886201); no Run As user -> ``no client credentials user enabled`` (observed);
* JWT: unknown ``iss`` -> ``invalid_client_id`` / ``client identifier invalid``; bad signature, expired or malformed
  assertion, unknown subject -> ``invalid_grant`` / ``invalid assertion``; wrong ``aud`` -> ``audience is invalid``;
  not pre-authorised -> ``user hasn't approved this consumer`` (observed in public threads; which description an
  expired assertion or an unknown user gets is UNVERIFIED);
* username-password: bad credentials or the flow blocked -> ``invalid_grant`` / ``authentication failure`` (observed;
  Salesforce blocks the flow by default since Summer '23 and answers the same text);
* bad client secret -> ``invalid_client`` / ``invalid client credentials`` (observed).

All errors are HTTP 400 with ``{"error", "error_description"}`` (reference §11; Salesforce also uses 401 for some
client errors, UNVERIFIED which, so 400 throughout).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from starlette.requests import Request
from starlette.responses import Response

from sfprov.emulators.salesforce.credentials import ExternalClientApp

if TYPE_CHECKING:
    from sfprov.emulators.salesforce.app import Runtime
    from sfprov.emulators.salesforce.store import Org

GRANT_CLIENT_CREDENTIALS = "client_credentials"
GRANT_JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_PASSWORD = "password"  # noqa: S105 - an OAuth grant type name, not a secret


@dataclass(frozen=True)
class OAuthError(Exception):
    """A token endpoint refusal (HTTP 400 unless said otherwise)."""

    error: str
    description: str
    status: int = 400

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def unsupported_domain() -> OAuthError:
    return OAuthError("invalid_grant", "request not supported on this domain")


def no_run_as_user() -> OAuthError:
    return OAuthError("invalid_grant", "no client credentials user enabled")


def invalid_client_id() -> OAuthError:
    return OAuthError("invalid_client_id", "client identifier invalid")


def invalid_client_credentials() -> OAuthError:
    return OAuthError("invalid_client", "invalid client credentials")


def authentication_failure() -> OAuthError:
    return OAuthError("invalid_grant", "authentication failure")


def invalid_assertion() -> OAuthError:
    return OAuthError("invalid_grant", "invalid assertion")


def audience_invalid() -> OAuthError:
    return OAuthError("invalid_grant", "audience is invalid")


def not_approved() -> OAuthError:
    return OAuthError("invalid_grant", "user hasn't approved this consumer")


def unsupported_grant_type() -> OAuthError:
    return OAuthError("unsupported_grant_type", "grant type not supported")


@dataclass(frozen=True)
class Assertion:
    """The claims of a JWT bearer assertion that passed the format checks (signature not yet verified)."""

    token: str
    issuer: str
    subject: str
    audience: list[str]
    expires: float


def read_assertion(token: str) -> Assertion:
    """Parse the assertion without trusting it: the issuer names the app whose certificate verifies it."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise invalid_assertion() from None
    if header.get("alg") != "RS256":
        raise invalid_assertion()
    iss, sub, aud, exp = claims.get("iss"), claims.get("sub"), claims.get("aud"), claims.get("exp")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else None
    if not isinstance(iss, str) or not isinstance(sub, str) or not audiences:
        raise invalid_assertion()
    try:
        expires = float(exp) if isinstance(exp, int | float | str) else float("nan")  # simple-salesforce: a string
    except ValueError:
        raise invalid_assertion() from None
    if expires != expires:  # NaN: no usable exp claim
        raise invalid_assertion()
    return Assertion(token=token, issuer=iss, subject=sub, audience=[str(a) for a in audiences], expires=expires)


def verify_signature(assertion: Assertion, certificate_pem: str) -> None:
    """Check the RS256 signature against the public key of the certificate uploaded to the app (§11.2)."""
    try:
        public_key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
    except ValueError:
        raise invalid_assertion() from None
    if not isinstance(public_key, RSAPublicKey):
        raise invalid_assertion()
    try:
        jwt.decode(
            assertion.token,
            public_key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        raise invalid_assertion() from None


def check_claims(assertion: Assertion, accepted_audiences: set[str], now: float) -> None:
    """``aud`` must name an accepted login URL (no trailing slash difference) and ``exp`` lie in the future."""
    if not any(a.rstrip("/").lower() in accepted_audiences for a in assertion.audience):
        raise audience_invalid()
    if assertion.expires <= now:
        raise invalid_assertion()


def basic_client(authorization: str | None) -> tuple[str, str] | None:
    """Client id and secret from an HTTP Basic ``Authorization`` header (client credentials may use it, §11.1)."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None


def signature(id_url: str, issued_at: str, client_secret: str) -> str:
    """The ``signature`` of a token answer: base64 HMAC-SHA256 of ``id`` + ``issued_at`` keyed with the consumer
    secret, which is how Salesforce lets the client verify the identity URL (OAuth doc, "signature")."""
    mac = hmac.new(client_secret.encode(), (id_url + issued_at).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def token_body(
    *, access_token: str, instance_url: str, id_url: str, issued_at_ms: int, client_secret: str, scopes: list[str]
) -> dict[str, Any]:
    """The success answer, keys in Salesforce's order (reference §11); no refresh token for these flows."""
    issued_at = str(issued_at_ms)
    return {
        "access_token": access_token,
        "signature": signature(id_url, issued_at, client_secret),
        "scope": " ".join(scopes),
        "instance_url": instance_url,
        "id": id_url,
        "token_type": "Bearer",
        "issued_at": issued_at,
    }


def dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _form(body: bytes) -> dict[str, str]:
    """The form-encoded body (first value of each key)."""
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {key: values[0] for key, values in parsed.items() if values}


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        dumps(body),
        status_code=status,
        media_type="application/json;charset=UTF-8",
        headers={"Cache-Control": "no-cache,must-revalidate,max-age=0,no-store,private"},
    )


def token_endpoint(request: Request, runtime: Runtime, host: str, body: bytes) -> Response:
    """``POST /services/oauth2/token``: dispatch on ``grant_type`` and answer Salesforce's JSON."""
    if request.method != "POST":
        return _json(OAuthError("invalid_request", "must use HTTP POST").body(), 400)
    form = _form(body)
    grant = form.get("grant_type", "")
    try:
        if grant == GRANT_CLIENT_CREDENTIALS:
            org, app, user_id, grant_name = _client_credentials(runtime, host, form, request)
        elif grant == GRANT_JWT:
            org, app, user_id, grant_name = _jwt_bearer(runtime, host, form)
        elif grant == GRANT_PASSWORD:
            org, app, user_id, grant_name = _password(runtime, host, form)
        else:
            raise unsupported_grant_type()
    except OAuthError as exc:
        return _json(exc.body(), exc.status)
    session = runtime.sessions.issue(org.id, user_id, org.settings.session_seconds, grant=grant_name)
    org.record_login(user_id)
    login_base = runtime.base_url(runtime.login_host_of(org))
    answer = token_body(
        access_token=session.token,
        instance_url=runtime.base_url(org.my_domain),
        id_url=f"{login_base}/id/{org.id}/{user_id}",
        issued_at_ms=int(session.issued_at * 1000),
        client_secret=app.consumer_secret,
        scopes=app.scopes,
    )
    return _json(answer)


def _orgs_for_host(runtime: Runtime, host: str) -> list[Org]:
    """Orgs whose apps a token request on ``host`` may name: the org of a My Domain host, else every org that logs
    in through that login host (production and Developer Edition on ``login``, sandboxes on ``test``)."""
    from sfprov.emulators.salesforce.app import LOGIN_HOSTS, TEST_HOST

    if host in LOGIN_HOSTS:
        sandbox = host == TEST_HOST
        return [org for org in runtime.state.orgs.values() if org.is_sandbox == sandbox]
    org = runtime.state.org_by_my_domain(host)
    return [org] if org is not None else []


def _find_app(runtime: Runtime, host: str, consumer_key: str) -> tuple[Org, ExternalClientApp]:
    for org in _orgs_for_host(runtime, host):
        app = org.app_by_consumer_key(consumer_key)
        if app is not None:
            return org, app
    raise invalid_client_id()


def _usable_user(org: Org, user_id: str | None) -> bool:
    if user_id is None:
        return False
    user = org.user(user_id)
    return bool(user is not None and user["IsActive"] and not org.is_frozen(user_id))


def _client_credentials(
    runtime: Runtime, host: str, form: dict[str, str], request: Request
) -> tuple[Org, ExternalClientApp, str, str]:
    """Client credentials (§11.1): My Domain host only; the session runs as the app's Run As user."""
    from sfprov.emulators.salesforce.app import LOGIN_HOSTS

    if host in LOGIN_HOSTS:
        raise unsupported_domain()
    pair = basic_client(request.headers.get("authorization"))
    key, secret = pair if pair else (form.get("client_id", ""), form.get("client_secret", ""))
    org, app = _find_app(runtime, host, key)
    if not app.check_secret(secret):
        raise invalid_client_credentials()
    if not app.client_credentials_enabled or app.run_as_user_id is None:
        raise no_run_as_user()
    if not _usable_user(org, app.run_as_user_id):
        raise authentication_failure()
    return org, app, app.run_as_user_id, "client_credentials"


def _accepted_audiences(runtime: Runtime, org: Org) -> set[str]:
    """``aud`` values accepted for an org: its login host (``test`` for sandboxes) and its My Domain, each by real
    name and by the emulator listener that stands for it (§11.2; the My Domain form is UNVERIFIED)."""
    names = (runtime.login_host_of(org), org.my_domain)
    out = {f"https://{name}" for name in names}
    out |= {runtime.base_url(name).rstrip("/").lower() for name in names}
    return out


def _jwt_bearer(runtime: Runtime, host: str, form: dict[str, str]) -> tuple[Org, ExternalClientApp, str, str]:
    """JWT bearer (§11.2): RS256 against the app's certificate, ``iss``/``sub``/``aud``/``exp``, pre-authorisation."""
    assertion = read_assertion(form.get("assertion", ""))
    org, app = _find_app(runtime, host, assertion.issuer)
    if not app.certificate_pem:
        raise invalid_assertion()
    verify_signature(assertion, app.certificate_pem)
    check_claims(assertion, _accepted_audiences(runtime, org), runtime.clock.now())
    user = org.user_by_username(assertion.subject)
    if user is None or not _usable_user(org, str(user["Id"])):
        raise invalid_assertion()
    user_id = str(user["Id"])
    if not app.is_pre_authorized(user_id, user.get("ProfileId")):
        raise not_approved()
    return org, app, user_id, "jwt_bearer"


def _password(runtime: Runtime, host: str, form: dict[str, str]) -> tuple[Org, ExternalClientApp, str, str]:
    """Username-password (§11.3): password plus security token; off unless both org and app allow it."""
    org, app = _find_app(runtime, host, form.get("client_id", ""))
    if not app.check_secret(form.get("client_secret", "")):
        raise invalid_client_credentials()
    if not (org.settings.password_flow_enabled and app.password_flow_allowed):
        raise authentication_failure()
    user = org.user_by_username(form.get("username", ""))
    if user is None:
        raise authentication_failure()
    user_id = str(user["Id"])
    if not _usable_user(org, user_id) or not org.check_password_and_token(user_id, form.get("password", "")):
        raise authentication_failure()
    return org, app, user_id, "password"
