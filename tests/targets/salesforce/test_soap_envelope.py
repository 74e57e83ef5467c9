from defusedxml import ElementTree

from sfprov.secrets import Secret
from sfprov.targets.salesforce.auth import (
    PasswordFlow,
    SoapLogin,
    _ids_from_identity_url,
    method_warnings,
    soap_login_envelope,
)

NS = "{urn:partner.soap.sforce.com}"


def test_envelope_escapes_and_orders_username_then_password() -> None:
    xml = soap_login_envelope("o'brien&co@example.com", "p<w>d&TOKEN")
    root = ElementTree.fromstring(xml)
    login = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body/" + NS + "login")
    assert login is not None
    assert [child.tag for child in login] == [NS + "username", NS + "password"]
    assert login[0].text == "o'brien&co@example.com"
    assert login[1].text == "p<w>d&TOKEN"


def test_identity_url_gives_org_and_user() -> None:
    assert _ids_from_identity_url("https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA") == (
        "00D000000000001AAA",
        "005000000000001AAA",
    )
    assert _ids_from_identity_url(None) == (None, None)
    assert _ids_from_identity_url("https://x/other") == (None, None)


def test_legacy_methods_warn() -> None:
    soap = SoapLogin("https://login.salesforce.com", "u@example.com", Secret("p"), Secret("t"))
    assert "Summer '27" in method_warnings(soap)[0]
    pw = PasswordFlow("https://login.salesforce.com", "id", Secret("s"), "u@example.com", Secret("p"))
    assert "deprecated" in method_warnings(pw)[0]
    assert "Secret('***')" in repr(soap)
    assert "password=Secret('***')" in repr(pw)
