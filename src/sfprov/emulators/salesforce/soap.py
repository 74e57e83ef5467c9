"""SOAP ``login()`` of the Partner API: the request envelope, the ``LoginResult`` answer and ``LoginFault``.

Why: the Entra gallery connector and many clients (simple-salesforce among them) log in with username, password and
security token through SOAP ``login()``; sfprov must recognise every way that login fails on a real org, including
the Winter '26 switch that turns ``login()`` off by default in new orgs (reference ``salesforce.md`` §9, §10).

Shapes follow the Partner WSDL v58 (``LoginResult`` and ``GetUserInfoResult`` are ``xsd:sequence``: element order
matters, strict clients reject re-ordered or extra elements) and the real responses quoted in reference §9.2/§9.3:
the envelope declares the partner namespace as default, nils carry ``xsi:nil="true"``, faults are HTTP 500 with
``faultcode`` ``sf:<CODE>``, ``faultstring`` ``<CODE>: <message>`` and a ``sf:LoginFault`` detail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from lxml import etree

from sfprov.emulators.salesforce import ids
from sfprov.emulators.salesforce.rest import versions
from sfprov.emulators.salesforce.settings import OrgSettings

if TYPE_CHECKING:
    from sfprov.emulators.salesforce.app import Runtime
    from sfprov.emulators.salesforce.store import Org

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"
FAULT_NS = "urn:fault.partner.soap.sforce.com"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

CONTENT_TYPE = "text/xml; charset=utf-8"

INVALID_LOGIN_MESSAGE = "Invalid username, password, security token; or user locked out."
"""Reference §9.3 (observed, simple-salesforce#671)."""

MUST_USE_TOKEN_MESSAGE = (
    INVALID_LOGIN_MESSAGE + " Are you at a new location? When accessing Salesforce--either via a desktop client or "
    "the API--from outside of your company’s trusted networks, you must add a security token to your password to "
    "log in. To get your new security token, log in to Salesforce. From your personal settings, enter Reset My "
    "Security Token in the Quick Find box, then select Reset My Security Token."
)
"""``LOGIN_MUST_USE_SECURITY_TOKEN``: the INVALID_LOGIN sentence, then the advice to append the token (reference
§9.3 says the message starts that way; the rest is the text public clients quote, UNVERIFIED word for word)."""

VERSION_NOT_AVAILABLE_MESSAGE = (
    "The SOAP Login operation is not available in the API version specified ({version}). Refer to the documentation "
    "for supported versions."
)
"""``INVALID_OPERATION`` for ``login()`` at API 65.0 or later (observed: forcedotcom/wsc#363, 2026)."""

UNSUPPORTED_VERSION_MESSAGE = "Invalid Api version specified on URL"
"""``UNSUPPORTED_API_VERSION`` for a version the platform does not serve (observed in many public clients)."""

API_DISABLED_FOR_ORG_MESSAGE = "API is not enabled for this Organization or Partner"
API_CURRENTLY_DISABLED_MESSAGE = "API is disabled for this User"

_VERSION_RE = re.compile(r"^/services/Soap/u/(?P<version>[^/]+)/?(?P<rest>.*)$")


@dataclass(frozen=True)
class LoginFault(Exception):
    """A ``LoginFault`` to send back (HTTP 500)."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class ClientFault(Exception):
    """A SOAP ``soapenv:Client`` fault: the request itself is not a well-formed ``login`` call."""

    message: str


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str
    organization_id: str | None = None
    """From ``LoginScopeHeader``, when the client sent one (IP-restricted login without a token)."""


@dataclass(frozen=True)
class UserInfo:
    """The ``GetUserInfoResult`` values, in WSDL order (see :func:`render_login_result`)."""

    organization_id: str
    organization_name: str
    profile_id: str
    role_id: str | None
    session_seconds_valid: int
    user_email: str
    user_full_name: str
    user_id: str
    user_language: str
    user_locale: str
    user_name: str
    user_time_zone: str
    user_type: str
    currency_symbol: str | None = "$"
    org_attachment_file_size_limit: int = 5242880
    org_default_currency_iso_code: str | None = "USD"
    org_default_currency_locale: str | None = "en_US"
    user_default_currency_iso_code: str | None = None
    user_ui_skin: str = "Theme3"


@dataclass(frozen=True)
class LoginAnswer:
    metadata_server_url: str
    password_expired: bool
    sandbox: bool
    server_url: str
    session_id: str
    user_id: str
    user_info: UserInfo


def version_from_path(path: str) -> str | None:
    """The API version in ``/services/Soap/u/{version}``, or None when the path is not a Partner endpoint."""
    match = _VERSION_RE.match(path)
    return match.group("version") if match else None


def parse_login(body: bytes) -> LoginRequest:
    """Read a ``login`` call from a SOAP 1.1 envelope; any ``SOAPAction`` is accepted (reference §9.1).

    External entities and network access are off: the body comes from an untrusted client.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ClientFault(f"Could not parse the SOAP request: {exc.msg}") from None
    if root.tag != f"{{{SOAPENV}}}Envelope":
        raise ClientFault("Expected a SOAP 1.1 Envelope (http://schemas.xmlsoap.org/soap/envelope/)")
    body_el = root.find(f"{{{SOAPENV}}}Body")
    if body_el is None or len(body_el) == 0:
        raise ClientFault("The SOAP Envelope has no Body")
    call = body_el[0]
    if call.tag != f"{{{PARTNER}}}login":
        local = etree.QName(call).localname
        namespace = etree.QName(call).namespace or ""
        raise ClientFault(f"No operation available for request {{{namespace}}}{local}")
    username = call.findtext(f"{{{PARTNER}}}username")
    password = call.findtext(f"{{{PARTNER}}}password")
    if username is None or password is None:
        raise ClientFault("Element {urn:partner.soap.sforce.com}username and password are required")
    org_id = root.findtext(f"{{{SOAPENV}}}Header/{{{PARTNER}}}LoginScopeHeader/{{{PARTNER}}}organizationId")
    return LoginRequest(username=username.strip(), password=password, organization_id=org_id or None)


def _el(name: str, value: str | None) -> str:
    if value is None:
        return f'<{name} xsi:nil="true"/>'
    return f"<{name}>{escape(value)}</{name}>"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def render_login_result(answer: LoginAnswer) -> bytes:
    """The ``loginResponse`` envelope with ``LoginResult`` and ``GetUserInfoResult`` in WSDL sequence order."""
    info = answer.user_info
    user_info: Sequence[str] = (
        _el("accessibilityMode", "false"),
        _el("chatterExternal", "false"),
        _el("currencySymbol", info.currency_symbol),
        _el("orgAttachmentFileSizeLimit", str(info.org_attachment_file_size_limit)),
        _el("orgDefaultCurrencyIsoCode", info.org_default_currency_iso_code),
        _el("orgDefaultCurrencyLocale", info.org_default_currency_locale),
        _el("orgDisallowHtmlAttachments", "false"),
        _el("orgHasPersonAccounts", "false"),
        _el("organizationId", info.organization_id),
        _el("organizationMultiCurrency", "false"),
        _el("organizationName", info.organization_name),
        _el("profileId", info.profile_id),
        _el("roleId", info.role_id),
        _el("sessionSecondsValid", str(info.session_seconds_valid)),
        _el("userDefaultCurrencyIsoCode", info.user_default_currency_iso_code),
        _el("userEmail", info.user_email),
        _el("userFullName", info.user_full_name),
        _el("userId", info.user_id),
        _el("userLanguage", info.user_language),
        _el("userLocale", info.user_locale),
        _el("userName", info.user_name),
        _el("userTimeZone", info.user_time_zone),
        _el("userType", info.user_type),
        _el("userUiSkin", info.user_ui_skin),
    )
    result = (
        _el("metadataServerUrl", answer.metadata_server_url)
        + _el("passwordExpired", _bool(answer.password_expired))
        + _el("sandbox", _bool(answer.sandbox))
        + _el("serverUrl", answer.server_url)
        + _el("sessionId", answer.session_id)
        + _el("userId", answer.user_id)
        + "<userInfo>"
        + "".join(user_info)
        + "</userInfo>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns="{PARTNER}" xmlns:xsi="{XSI}">'
        f"<soapenv:Body><loginResponse><result>{result}</result></loginResponse></soapenv:Body>"
        "</soapenv:Envelope>"
    ).encode()


def render_login_fault(fault: LoginFault) -> bytes:
    """A SOAP 1.1 fault whose detail is ``sf:LoginFault`` (reference §9.3)."""
    code = escape(fault.code)
    message = escape(fault.message)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:sf="{FAULT_NS}" xmlns:xsi="{XSI}">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>sf:{code}</faultcode>"
        f"<faultstring>{code}: {message}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{message}</sf:exceptionMessage>"
        "</sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


def render_client_fault(fault: ClientFault) -> bytes:
    """A ``soapenv:Client`` fault for a request that is not a readable ``login`` call."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}">'
        "<soapenv:Body><soapenv:Fault>"
        "<faultcode>soapenv:Client</faultcode>"
        f"<faultstring>{escape(fault.message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


USE_ANY_API_AUTH_MESSAGE = "The user doesn't have the Use Any API Auth permission required to call SOAP API login()."
"""``INSUFFICIENT_ACCESS`` when Use Any API Auth is enforced (§10: the code is documented, the text is UNVERIFIED)."""


def _version_number(version: str) -> float:
    return float(version)


def _find_login_user(runtime: Runtime, host: str, username: str) -> tuple[Org, dict[str, Any]] | None:
    """The org and user a login names, if the user may log in on ``host``: production and Developer Edition users on
    ``login.salesforce.com``, sandbox users on ``test.salesforce.com``, any user of the org on its My Domain (§1.2)."""
    from sfprov.emulators.salesforce.app import LOGIN_HOST, TEST_HOST

    found = runtime.state.find_user(username)
    if found is None:
        return None
    org, user = found
    if host == LOGIN_HOST and org.is_sandbox:
        return None
    if host == TEST_HOST and not org.is_sandbox:
        return None
    if host not in (LOGIN_HOST, TEST_HOST) and org.my_domain != host:
        return None
    return org, dict(user)


def login(runtime: Runtime, host: str, path: str, body: bytes) -> tuple[int, bytes]:
    """Answer a ``login()`` call: ``(200, LoginResult envelope)`` or ``(500, fault envelope)``."""
    try:
        return 200, render_login_result(_login(runtime, host, path, body))
    except LoginFault as fault:
        return 500, render_login_fault(fault)
    except ClientFault as fault:
        return 500, render_client_fault(fault)


def _login(runtime: Runtime, host: str, path: str, body: bytes) -> LoginAnswer:
    """The checks of a real ``login()``, in this order (reference §9.3, §10):

    1. the URL version must be one the platform serves -> ``UNSUPPORTED_API_VERSION``;
    2. a readable ``login`` call -> ``soapenv:Client`` fault otherwise;
    3. ``login()`` is not available at API 65.0+ (``max_soap_login_version``) -> ``INVALID_OPERATION``;
    4. the user must exist for this host, be active and not frozen, and the password must be followed by the
       security token -> ``INVALID_LOGIN``; the right password without the token -> ``LOGIN_MUST_USE_SECURITY_TOKEN``;
    5. an org without API -> ``API_DISABLED_FOR_ORG``; a profile without "API Enabled" -> ``API_CURRENTLY_DISABLED``;
    6. "Enable SOAP API login()" off (the default of new orgs) -> ``INVALID_OPERATION`` with the §10 text;
    7. Use Any API Auth enforced (Summer '26 orgs) and missing -> ``INSUFFICIENT_ACCESS``.

    Credentials are checked before the org switches so that a wrong password never learns how the org is set up.
    An expired password still logs in, with ``passwordExpired`` true and a session good for nothing else (§9.2).
    """
    version = version_from_path(path) or ""
    if not versions.is_served(version):
        raise LoginFault("UNSUPPORTED_API_VERSION", UNSUPPORTED_VERSION_MESSAGE)
    request = parse_login(body)
    found = _find_login_user(runtime, host, request.username)
    max_version = found[0].settings.max_soap_login_version if found else OrgSettings().max_soap_login_version
    if _version_number(version) > _version_number(max_version):
        raise LoginFault("INVALID_OPERATION", VERSION_NOT_AVAILABLE_MESSAGE.format(version=version))
    if found is None:
        raise LoginFault("INVALID_LOGIN", INVALID_LOGIN_MESSAGE)
    org, user = found
    user_id = str(user["Id"])
    if request.organization_id is not None and ids.normalize(request.organization_id) != org.id:
        raise LoginFault("INVALID_LOGIN", INVALID_LOGIN_MESSAGE)  # LoginScopeHeader names another org
    if not user["IsActive"] or org.is_frozen(user_id):
        raise LoginFault("INVALID_LOGIN", INVALID_LOGIN_MESSAGE)
    if not org.check_password_and_token(user_id, request.password):
        if org.check_password(user_id, request.password):
            raise LoginFault("LOGIN_MUST_USE_SECURITY_TOKEN", MUST_USE_TOKEN_MESSAGE)
        raise LoginFault("INVALID_LOGIN", INVALID_LOGIN_MESSAGE)
    if org.settings.trial_no_api:
        raise LoginFault("API_DISABLED_FOR_ORG", API_DISABLED_FOR_ORG_MESSAGE)
    if not org.has_permission(user_id, "PermissionsApiEnabled"):
        raise LoginFault("API_CURRENTLY_DISABLED", API_CURRENTLY_DISABLED_MESSAGE)
    if not org.settings.soap_login_enabled:
        raise LoginFault("INVALID_OPERATION", org.settings.soap_disabled_message)
    if org.settings.require_use_any_api_auth and not org.has_permission(user_id, "PermissionsUseAnyApiAuth"):
        raise LoginFault("INSUFFICIENT_ACCESS", USE_ANY_API_AUTH_MESSAGE)
    expired = org.password_expired(user_id)
    seconds = org.settings.session_seconds
    session = runtime.sessions.issue(org.id, user_id, seconds, password_expired=expired, grant="soap")
    org.record_login(user_id)
    base = runtime.base_url(org.my_domain)
    return LoginAnswer(
        metadata_server_url=f"{base}/services/Soap/m/{version}/{org.id15}",
        password_expired=expired,
        sandbox=org.is_sandbox,
        server_url=f"{base}/services/Soap/u/{version}/{org.id15}",
        session_id=session.token,
        user_id=user_id,
        user_info=UserInfo(
            organization_id=org.id,
            organization_name=org.name,
            profile_id=str(user["ProfileId"]),
            role_id=user.get("UserRoleId"),
            session_seconds_valid=seconds,
            user_email=str(user.get("Email") or ""),
            user_full_name=str(user.get("Name") or ""),
            user_id=user_id,
            user_language=str(user.get("LanguageLocaleKey") or "en_US"),
            user_locale=str(user.get("LocaleSidKey") or "en_US"),
            user_name=str(user["Username"]),
            user_time_zone=str(user.get("TimeZoneSidKey") or "America/Los_Angeles"),
            user_type=str(user.get("UserType") or "Standard"),
        ),
    )
