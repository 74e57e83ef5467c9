"""The HTTPS serving layer: one port per virtual host, the CA verifies, the vhost reaches the app."""

from __future__ import annotations

import ssl

import httpx
import pytest

from sfprov.emulators.server import EmulatorHost, Receive, Scope, Send, virtual_host
from sfprov.emulators.tls import LocalCA


async def echo_host(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": virtual_host(scope).encode()})


def test_each_virtual_host_gets_its_own_port(emulator_host: EmulatorHost, local_ca: LocalCA) -> None:
    a = emulator_host.add(echo_host, "login.example.test")
    b = emulator_host.add(echo_host, "acme.my.example.test")
    assert a != b
    assert emulator_host.add(echo_host, "login.example.test") == a
    with httpx.Client(verify=local_ca.client_context()) as client:
        assert client.get(a).text == "login.example.test"
        assert client.get(b + "/anything").text == "acme.my.example.test"


def test_an_untrusted_client_is_refused(emulator_host: EmulatorHost) -> None:
    url = emulator_host.add(echo_host, "untrusted.example.test")
    other = LocalCA.create()
    with httpx.Client(verify=other.client_context()) as client, pytest.raises(httpx.ConnectError) as info:
        client.get(url)
    assert isinstance(info.value.__context__, ssl.SSLCertVerificationError) or "CERTIFICATE" in str(info.value)


def test_host_header_is_the_fallback() -> None:
    scope: Scope = {"type": "http", "headers": [(b"host", b"acme.my.salesforce.com:443")]}
    assert virtual_host(scope) == "acme.my.salesforce.com"


def test_server_certificate_names_loopback(local_ca: LocalCA) -> None:
    from cryptography import x509

    san = local_ca.server_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)][:1] == ["127.0.0.1"]
    assert oct(local_ca.server_key_file.stat().st_mode)[-3:] == "600"


async def other_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"other"})


def test_two_apps_never_share_a_listener(emulator_host: EmulatorHost, local_ca: LocalCA) -> None:
    first = emulator_host.add(echo_host, "shared.example.test")
    second = emulator_host.add(other_app, "shared.example.test")
    assert first != second
    with httpx.Client(verify=local_ca.client_context()) as client:
        assert client.get(first).text == "shared.example.test"
        assert client.get(second).text == "other"
