"""Validate the Salesforce emulator's SOAP login() answers against the Partner WSDL's own XML schema.

Why outside the test suite: the WSDL (``/work/shared/oracles/salesforce-partner-v58.wsdl`` by default) is a vendor
file the project does not ship, and the tests must pass without it. This script starts the demo emulator on
loopback, calls ``login()`` once successfully and once with a wrong password, and validates ``loginResponse`` and the
``LoginFault`` detail with lxml against the schemas embedded in the WSDL (reference ``salesforce.md`` §9.5).

Usage: ``python scripts/check_soap_wsdl.py [path/to/partner.wsdl]``; exit code 0 when both answers are valid.
"""

from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path

import httpx
from lxml import etree

from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA

DEFAULT_WSDL = Path("/work/shared/oracles/salesforce-partner-v58.wsdl")
XSD = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"
FAULT = "urn:fault.partner.soap.sforce.com"


def schema_from_wsdl(path: Path) -> etree.XMLSchema:
    """One XML schema holding every ``<schema>`` of the WSDL's ``<types>``, imported through a wrapper schema.

    The embedded schemas refer to each other by namespace without ``schemaLocation``; each is written to a
    temporary folder (never into the project: the WSDL is not ours to ship) and the wrapper imports them all with
    locations, which lxml needs.
    """
    with tempfile.TemporaryDirectory(prefix="sfprov-wsdl-") as tmp:
        return _schema_in(path, Path(tmp))


def _schema_in(path: Path, folder: Path) -> etree.XMLSchema:
    wsdl = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    schemas = wsdl.getroot().findall(f"{{{WSDL}}}types/{{{XSD}}}schema")
    locations: dict[str, Path] = {}
    for index, schema in enumerate(schemas):
        locations[schema.get("targetNamespace")] = folder / f"schema{index}.xsd"
    for index, schema in enumerate(schemas):
        copy_ = copy.deepcopy(schema)  # keeps the namespace declarations in scope in the WSDL (tns, fns, ens)
        for element in copy_.findall(f"{{{XSD}}}import"):
            namespace = element.get("namespace")
            if namespace in locations and element.get("schemaLocation") is None:
                element.set("schemaLocation", locations[namespace].name)
        text = etree.tostring(copy_, encoding="unicode")
        # prefixes used only inside attribute values (type="tns:ID") are not re-declared by lxml: add them
        missing = " ".join(
            f'xmlns:{prefix}="{uri}"'
            for prefix, uri in wsdl.getroot().nsmap.items()
            if prefix and f"xmlns:{prefix}=" not in text.split(">", 1)[0]
        )
        text = text.replace("<schema ", f"<schema {missing} ", 1)
        (folder / f"schema{index}.xsd").write_text(text, encoding="utf-8")
    imports = "".join(f'<xsd:import namespace="{ns}" schemaLocation="{loc.name}"/>' for ns, loc in locations.items())
    wrapper = folder / "wrapper.xsd"
    wrapper.write_text(f'<xsd:schema xmlns:xsd="{XSD}">{imports}</xsd:schema>', encoding="utf-8")
    return etree.XMLSchema(etree.parse(str(wrapper)))


def body_child(answer: httpx.Response) -> etree._Element:
    envelope = etree.fromstring(answer.content)
    body = envelope.find(f"{{{SOAPENV}}}Body")
    if body is None or len(body) == 0:
        raise SystemExit("the answer has no SOAP Body")
    return body[0]


def main() -> int:
    wsdl = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_WSDL
    schema = schema_from_wsdl(wsdl)
    ca = LocalCA.create()
    emulator = SalesforceEmulator.demo()
    sandbox = next(o for o in emulator.seed_info["orgs"].values() if o["kind"] == "sandbox")
    user = sandbox["integration"]
    ok = True
    with EmulatorHost(ca) as host, httpx.Client(verify=ca.client_context()) as client:
        emulator.serve(host)
        url = emulator.url("test.salesforce.com") + "/services/Soap/u/64.0"
        for label, secret in (("success", user["password"] + user["security_token"]), ("fault", "wrong")):
            envelope = (
                f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}" xmlns:urn="{PARTNER}"><soapenv:Body><urn:login>'
                f"<urn:username>{user['username']}</urn:username><urn:password>{secret}</urn:password>"
                "</urn:login></soapenv:Body></soapenv:Envelope>"
            )
            answer = client.post(url, content=envelope, headers={"Content-Type": "text/xml", "SOAPAction": '""'})
            element = body_child(answer)
            if label == "fault":
                element = element.find(f"detail/{{{FAULT}}}LoginFault")
                if element is None:
                    print("fault: no sf:LoginFault detail")
                    ok = False
                    continue
            # validate the element on its own, as a document of the WSDL's schema
            document = etree.fromstring(etree.tostring(element))
            valid = schema.validate(document)
            print(
                f"{label}: HTTP {answer.status_code}, {etree.QName(element).localname} "
                f"{'valid' if valid else 'INVALID'} against {wsdl.name}"
            )
            for error in schema.error_log:
                print(f"  {error.message}")
            ok = ok and valid
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
