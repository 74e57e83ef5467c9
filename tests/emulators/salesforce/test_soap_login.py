"""SOAP login(): LoginResult in WSDL order, every LoginFault of reference §9.3 and the §10 switches."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from sfprov.emulators.salesforce import SalesforceEmulator
from tests.emulators.salesforce.conftest import Kit, make_kit, session_id

NS = {
    "s": "http://schemas.xmlsoap.org/soap/envelope/",
    "p": "urn:partner.soap.sforce.com",
    "sf": "urn:fault.partner.soap.sforce.com",
}
RESULT_ORDER = ["metadataServerUrl", "passwordExpired", "sandbox", "serverUrl", "sessionId", "userId", "userInfo"]
USER_INFO_ORDER = [
    "accessibilityMode",
    "chatterExternal",
    "currencySymbol",
    "orgAttachmentFileSizeLimit",
    "orgDefaultCurrencyIsoCode",
    "orgDefaultCurrencyLocale",
    "orgDisallowHtmlAttachments",
    "orgHasPersonAccounts",
    "organizationId",
    "organizationMultiCurrency",
    "organizationName",
    "profileId",
    "roleId",
    "sessionSecondsValid",
    "userDefaultCurrencyIsoCode",
    "userEmail",
    "userFullName",
    "userId",
    "userLanguage",
    "userLocale",
    "userName",
    "userTimeZone",
    "userType",
    "userUiSkin",
]


def fault(answer: httpx.Response) -> tuple[str, str, str, str]:
    assert answer.status_code == 500
    root = etree.fromstring(answer.content)
    return (
        root.findtext(".//faultcode"),
        root.findtext(".//faultstring"),
        root.findtext(".//sf:LoginFault/sf:exceptionCode", namespaces=NS),
        root.findtext(".//sf:LoginFault/sf:exceptionMessage", namespaces=NS),
    )


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def test_login_result_is_in_wsdl_order_and_points_at_my_domain(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    answer = kit.soap_login(kit.integration)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    result = etree.fromstring(answer.content).find(".//p:loginResponse/p:result", NS)
    assert [local(e) for e in result] == RESULT_ORDER
    assert [local(e) for e in result.find("p:userInfo", NS)] == USER_INFO_ORDER
    assert result.findtext("p:serverUrl", namespaces=NS) == f"{kit.instance_url}/services/Soap/u/64.0/{kit.org.id15}"
    assert result.findtext("p:metadataServerUrl", namespaces=NS) == (
        f"{kit.instance_url}/services/Soap/m/64.0/{kit.org.id15}"
    )
    assert result.findtext("p:passwordExpired", namespaces=NS) == "false"
    assert result.findtext("p:sandbox", namespaces=NS) == "false"
    assert result.findtext("p:userId", namespaces=NS) == kit.integration.user_id
    token = result.findtext("p:sessionId", namespaces=NS)
    assert token.startswith(kit.org.id15 + "!")
    info = result.find("p:userInfo", NS)
    assert info.findtext("p:organizationId", namespaces=NS) == kit.org.id
    assert info.findtext("p:userName", namespaces=NS) == kit.integration.username
    assert info.findtext("p:sessionSecondsValid", namespaces=NS) == "7200"
    assert info.find("p:roleId", NS).get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    # the session id is a REST bearer token on the My Domain host (reference §8.1)
    assert kit.rest("GET", "limits", token).status_code == 200


def test_login_also_works_on_the_my_domain_host(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    answer = kit.soap_login(kit.integration, base=kit.instance_url)
    assert answer.status_code == 200
    assert session_id(answer).startswith(kit.org.id15)


def test_wrong_password_is_invalid_login(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    code, text, exc_code, message = fault(kit.soap_login(kit.integration, password="nope" + kit.integration.token))
    assert (code, exc_code) == ("sf:INVALID_LOGIN", "INVALID_LOGIN")
    assert message == "Invalid username, password, security token; or user locked out."
    assert text == "INVALID_LOGIN: Invalid username, password, security token; or user locked out."


def test_unknown_user_and_wrong_login_host_are_invalid_login(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    stranger = type(kit.integration)("x", "nobody@nowhere.example.com", "pw", "tok")
    assert fault(kit.soap_login(stranger))[2] == "INVALID_LOGIN"
    # a production user cannot log in through the sandbox login host (reference §1.2)
    test_host = kit.sf.url("test.salesforce.com")
    assert fault(kit.soap_login(kit.integration, base=test_host))[2] == "INVALID_LOGIN"


def test_password_without_token_must_use_security_token(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    _, text, exc_code, message = fault(kit.soap_login(kit.integration, password=kit.integration.password))
    assert exc_code == "LOGIN_MUST_USE_SECURITY_TOKEN"
    assert message.startswith("Invalid username, password, security token; or user locked out. Are you at a new")
    assert text.startswith("LOGIN_MUST_USE_SECURITY_TOKEN: ")


def test_soap_login_is_off_by_default_in_new_orgs(kit: Kit) -> None:
    _, text, exc_code, message = fault(kit.soap_login(kit.integration))
    assert exc_code == "INVALID_OPERATION"
    assert message == "SOAP API login() is disabled by default in this org."
    assert text == "INVALID_OPERATION: SOAP API login() is disabled by default in this org."


def test_disabled_message_tail_is_configurable(kit: Kit) -> None:
    full = (
        "SOAP API login() is disabled by default in this org. Contact the org administrator to enable SOAP API login()."
    )
    kit.settings(soap_disabled_message=full)
    assert fault(kit.soap_login(kit.integration))[3] == full


def test_wrong_password_is_reported_before_the_disabled_switch(kit: Kit) -> None:
    assert fault(kit.soap_login(kit.integration, password="bad"))[2] == "INVALID_LOGIN"


@pytest.mark.parametrize("version", ["65.0", "67.0"])
def test_login_is_not_available_from_api_65(kit: Kit, version: str) -> None:
    kit.settings(soap_login_enabled=True)
    _, _, exc_code, message = fault(kit.soap_login(kit.integration, version=version))
    assert exc_code == "INVALID_OPERATION"
    assert message == (
        f"The SOAP Login operation is not available in the API version specified ({version}). "
        "Refer to the documentation for supported versions."
    )


def test_unserved_version_is_unsupported_api_version(kit: Kit) -> None:
    for version in ("20.0", "99.0", "abc"):
        _, _, exc_code, message = fault(kit.soap_login(kit.integration, version=version))
        assert (exc_code, message) == ("UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL")


def test_use_any_api_auth_is_enforced_when_switched_on(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True, require_use_any_api_auth=True)
    assert fault(kit.soap_login(kit.standard))[2] == "INSUFFICIENT_ACCESS"
    assert kit.soap_login(kit.integration).status_code == 200  # its profile grants Use Any API Auth


def test_user_without_api_enabled_is_refused(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    _, _, exc_code, message = fault(kit.soap_login(kit.no_api))
    assert (exc_code, message) == ("API_CURRENTLY_DISABLED", "API is disabled for this User")


def test_org_without_api_is_api_disabled_for_org(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True, trial_no_api=True)
    _, _, exc_code, message = fault(kit.soap_login(kit.integration))
    assert (exc_code, message) == ("API_DISABLED_FOR_ORG", "API is not enabled for this Organization or Partner")


def test_frozen_and_inactive_users_cannot_log_in(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    token = kit.token(kit.admin)
    login_id = kit.org.user_login(kit.standard.user_id)["Id"]
    assert kit.rest("PATCH", f"sobjects/UserLogin/{login_id}", token, json={"IsFrozen": True}).status_code == 204
    assert fault(kit.soap_login(kit.standard))[2] == "INVALID_LOGIN"
    assert kit.rest("PATCH", f"sobjects/User/{kit.no_api.user_id}", token, json={"IsActive": False}).status_code == 204
    assert fault(kit.soap_login(kit.no_api))[2] == "INVALID_LOGIN"


def test_expired_password_logs_in_with_a_restricted_session(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    kit.sf.admin.set_password(kit.org.id, kit.standard.user_id, "New-Passw0rd", expired=True)
    token = kit.sf.admin.security_token(kit.org.id, kit.standard.user_id)
    answer = kit.soap_login(kit.standard, password="New-Passw0rd" + token)
    assert answer.status_code == 200
    assert "<passwordExpired>true</passwordExpired>" in answer.text
    refused = kit.rest("GET", "limits", session_id(answer))
    assert refused.status_code == 403
    assert refused.json()[0]["errorCode"] == "INVALID_OPERATION_WITH_EXPIRED_PASSWORD"


def test_malformed_envelope_is_a_client_fault(kit: Kit) -> None:
    answer = kit.http.post(f"{kit.login_url}/services/Soap/u/64.0", content=b"<not-xml", headers={"SOAPAction": ""})
    assert answer.status_code == 500
    assert etree.fromstring(answer.content).findtext(".//faultcode") == "soapenv:Client"


def test_login_records_last_login_date(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)
    assert kit.org.user(kit.integration.user_id)["LastLoginDate"] is None
    kit.soap_login(kit.integration)
    assert kit.org.user(kit.integration.user_id)["LastLoginDate"] is not None


def test_login_scope_header_must_name_the_users_org(kit: Kit) -> None:
    kit.settings(soap_login_enabled=True)

    def login(org_id: str) -> httpx.Response:
        envelope = (
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:LoginScopeHeader>'
            f"<urn:organizationId>{org_id}</urn:organizationId></urn:LoginScopeHeader></soapenv:Header>"
            f"<soapenv:Body><urn:login><urn:username>{kit.integration.username}</urn:username>"
            f"<urn:password>{kit.integration.password}{kit.integration.token}</urn:password></urn:login>"
            "</soapenv:Body></soapenv:Envelope>"
        )
        return kit.http.post(
            f"{kit.login_url}/services/Soap/u/64.0", content=envelope, headers={"Content-Type": "text/xml"}
        )

    assert login(kit.org.id15).status_code == 200
    assert fault(login("00D000000000001AAA"))[2] == "INVALID_LOGIN"


def test_sandbox_users_log_in_on_the_test_host(
    sf: SalesforceEmulator, http: httpx.Client, jwt_keys: tuple[str, str]
) -> None:
    sandbox = make_kit(sf, http, jwt_keys, kind="sandbox")
    sandbox.settings(soap_login_enabled=True)
    assert sandbox.org.my_domain == f"{sandbox.org.my_domain.split('--')[0]}--qa.sandbox.my.salesforce.com"
    answer = sandbox.soap_login(sandbox.integration)  # login_url is test.salesforce.com for a sandbox
    assert answer.status_code == 200
    assert "<sandbox>true</sandbox>" in answer.text
    login_host = sandbox.sf.url("login.salesforce.com")
    assert fault(sandbox.soap_login(sandbox.integration, base=login_host))[2] == "INVALID_LOGIN"
