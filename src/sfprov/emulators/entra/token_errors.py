"""The errors of the emulated identity platform and of Graph's token check, with their confidence.

Two catalogues, both replaceable through ``TokenService(sts_errors=..., graph_messages=...)`` because Microsoft
documents the AADSTS codes but not always the exact wording, status or OAuth ``error`` value the service sends:

* :data:`STS_ERRORS`: what the token and discovery endpoints answer (Microsoft Entra "authentication and
  authorization error codes" reference for codes and names; public error reports for the live wording, marked
  ``observed``; anything else **UNVERIFIED**).
* :data:`GRAPH_TOKEN_MESSAGES`: the ``InvalidAuthenticationToken`` messages of Graph's 401 replies.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------------------------------------------
# AADSTS errors


@dataclass(frozen=True)
class StsErrorSpec:
    """One AADSTS error: HTTP status, OAuth ``error`` value, numeric code and message template (``str.format``)."""

    status: int
    error: str
    code: int
    template: str
    confidence: str = "observed"


STS_ERRORS: dict[str, StsErrorSpec] = {
    # Seen verbatim in many public error reports (2021-2025); status from the same reports.
    "tenant_not_found_discovery": StsErrorSpec(
        400,
        "invalid_tenant",
        90002,
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the "
        "correct cloud. Check with your subscription administrator, this may happen if there are no active "
        "subscriptions for the tenant.",
    ),
    # Same text on the token endpoint; ``invalid_request`` there was reported in 2018 only: UNVERIFIED today.
    "tenant_not_found_token": StsErrorSpec(
        400,
        "invalid_request",
        90002,
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the "
        "correct cloud. Check with your subscription administrator, this may happen if there are no active "
        "subscriptions for the tenant.",
        "UNVERIFIED",
    ),
    "invalid_tenant_identifier": StsErrorSpec(
        400,
        "invalid_request",
        900023,
        "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain.",
        "observed text; status and error UNVERIFIED",
    ),
    "missing_parameter": StsErrorSpec(
        400, "invalid_request", 900144, "The request body must contain the following parameter: '{parameter}'."
    ),
    "resource_parameter": StsErrorSpec(
        400,
        "invalid_request",
        901002,
        "The 'resource' request parameter is not supported.",
        "documented code; live wording and status UNVERIFIED",
    ),
    "missing_scope": StsErrorSpec(
        400,
        "invalid_request",
        90014,
        "The required field 'scope' is missing from the credential. Ensure that you have all the necessary "
        "parameters for the login request.",
        "observed text; code UNVERIFIED",
    ),
    "unsupported_grant_type": StsErrorSpec(
        400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '{grant_type}'."
    ),
    "post_only": StsErrorSpec(
        400,
        "invalid_request",
        900561,
        "The endpoint only accepts POST requests. Received a GET request.",
        "UNVERIFIED",
    ),
    "scope_not_default": StsErrorSpec(
        400,
        "invalid_scope",
        1002012,
        "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with "
        "/.default suffixed to the resource identifier (application ID URI).",
    ),
    # Code and name documented (InvalidMultipleResourcesScope); text seen in a public code comment.
    "scope_multiple_resources": StsErrorSpec(
        400,
        "invalid_scope",
        700022,
        "The provided value for the input parameter scope is not valid because it contains more than one resource. "
        "The scope {scope} is not valid.",
        "observed text; error value UNVERIFIED",
    ),
    # Documented: "The grant type isn't supported over the /common or /consumers endpoints."
    "grant_over_common": StsErrorSpec(
        400,
        "invalid_request",
        9001023,
        "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or "
        "tenant-specific endpoint.",
        "documented; wording of the live message and status UNVERIFIED",
    ),
    "no_tenant_information": StsErrorSpec(
        400,
        "invalid_request",
        50059,
        "No tenant-identifying information found in either the request or implied by any provided credentials.",
        "observed text; that /organizations yields it for this grant is UNVERIFIED",
    ),
    "resource_not_found": StsErrorSpec(
        400,
        "invalid_resource",
        500011,
        "The resource principal named {resource} was not found in the tenant named {tenant_name}. This can happen "
        "if the application has not been installed by the administrator of the tenant or consented to by any user "
        "in the tenant. You might have sent your authentication request to the wrong tenant.",
    ),
    "unknown_client": StsErrorSpec(
        400,
        "unauthorized_client",
        700016,
        "Application with identifier '{client_id}' was not found in the directory '{tenant_name}'. This can happen "
        "if the application has not been installed by the administrator of the tenant or consented to by any user "
        "in the tenant. You may have sent your authentication request to the wrong tenant.",
    ),
    "app_disabled": StsErrorSpec(
        400,
        "unauthorized_client",
        7000112,
        "Application '{client_id}'({display_name}) is disabled.",
        "documented code (UnauthorizedClientApplicationDisabled); text observed; status UNVERIFIED",
    ),
    "missing_credential": StsErrorSpec(
        401,
        "invalid_client",
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        "observed text; status and error UNVERIFIED",
    ),
    "invalid_secret": StsErrorSpec(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
        "not the client secret ID, for a secret added to app '{client_id}'.",
    ),
    "expired_secret": StsErrorSpec(
        401,
        "invalid_client",
        7000222,
        "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new "
        "keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added "
        "security: https://aka.ms/certCreds.",
        "UNVERIFIED",
    ),
    "malformed_assertion": StsErrorSpec(
        400, "invalid_request", 50027, "JWT token is invalid or malformed.", "observed text; status UNVERIFIED"
    ),
    "assertion_key_not_found": StsErrorSpec(
        401,
        "invalid_client",
        700027,
        "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used "
        "by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see "
        "configured keys for app Id '{client_id}'. Review the documentation at "
        "https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and "
        "https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query "
        "request URL, such as 'https://graph.microsoft.com/beta/applications/{client_id}']. Alternatively, SNI may "
        "be configured on the app. Please ensure that client assertion is being sent with the x5c claim in the JWT "
        "header using MSAL's WithSendX5C() method so that Azure Active Directory can validate the certificate being "
        "used.",
        "observed text; status UNVERIFIED",
    ),
    # 7000274 = ClientAssertionContainsInvalidSignature per Microsoft.Identity.Web's retry tests (observed).
    "assertion_bad_signature": StsErrorSpec(
        401,
        "invalid_client",
        7000274,
        "Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify the "
        "signature failed., Thumbprint of key used by client: '{thumbprint}', Found key 'Start={start}, "
        "End={end}']",
        "UNVERIFIED text (reason wording observed on AADSTS50013)",
    ),
    "assertion_expired": StsErrorSpec(
        401,
        "invalid_client",
        700024,
        "Client assertion is not within its valid time range. Current time: {now}, assertion valid from {nbf}, "
        "expiry time of assertion {exp}. Review the documentation at "
        "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
    ),
    "assertion_wrong_client": StsErrorSpec(
        401,
        "invalid_client",
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at "
        "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
        "UNVERIFIED",
    ),
    # Documented: "SubjectMismatchesIssuer - Subject mismatches Issuer claim in the client assertion."
    "assertion_subject_mismatch": StsErrorSpec(
        401,
        "invalid_client",
        50048,
        "Subject mismatches Issuer claim in the client assertion.",
        "documented; status UNVERIFIED",
    ),
    "assertion_wrong_audience": StsErrorSpec(
        400,
        "invalid_request",
        50027,
        "JWT token is invalid or malformed.",
        "observed for a list-valued aud; status UNVERIFIED",
    ),
}


GRAPH_TOKEN_MESSAGES: dict[str, str] = {
    "empty": "Access token is empty.",  # observed, UNVERIFIED wording source
    "no_dots": (  # observed verbatim in Graph 401 bodies (2024-12)
        "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact "
        "Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): "
        "'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext."
        "EncodedAuthenticationTag'."
    ),
    "malformed": "CompactToken parsing failed with error code: 80049217",  # observed, UNVERIFIED trigger
    "bad_signature": "Access token validation failure.",  # UNVERIFIED
    "invalid_audience": "Access token validation failure. Invalid audience.",  # observed (2022)
    "invalid_issuer": "Access token validation failure. Invalid issuer.",  # UNVERIFIED
    "expired": "Lifetime validation failed, the token is expired.",  # observed (2025)
    "not_yet_valid": "Access token has expired or is not yet valid.",  # observed (2022)
}

GRAPH_WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)
"""Header Graph sends with its 401s (observed in a 2022 response dump)."""


class StsError(Exception):
    """A token-endpoint or discovery failure; rendered by :meth:`TokenService.error_response`."""

    def __init__(self, spec: StsErrorSpec, **fields: str) -> None:
        self.spec = spec
        self.description = spec.template.format(**fields)
        super().__init__(f"AADSTS{spec.code}")


class GraphTokenError(Exception):
    """Why Graph refuses a bearer token. The Graph side renders ``{"error": {"code", "message", ...}}`` with
    ``status`` and sends ``www_authenticate`` as the ``WWW-Authenticate`` header. Never carries the token."""

    def __init__(self, message: str, *, status: int = 401, code: str = "InvalidAuthenticationToken") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.www_authenticate = GRAPH_WWW_AUTHENTICATE
        self.headers = {"WWW-Authenticate": GRAPH_WWW_AUTHENTICATE}
        """Response headers, in the shape the Graph side's errors use."""
        self.inner: dict[str, str] = {}
        """No extra ``innerError`` members for token failures."""
