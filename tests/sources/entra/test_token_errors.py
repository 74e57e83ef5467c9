from sfprov.sources.entra.tokens import token_error


def test_aadsts_codes_get_their_fix() -> None:
    err = token_error(
        {
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
            "request is the client secret value.\r\nTrace ID: abc",
            "error_codes": [7000215],
        }
    )
    assert err.code == "invalid_client"
    assert "AADSTS7000215" in str(err)
    assert "Trace ID" not in err.message
    assert err.fix is not None
    assert "Certificates & secrets" in err.fix


def test_code_found_in_description_when_codes_missing() -> None:
    err = token_error({"error": "invalid_request", "error_description": "AADSTS90002: Tenant 'x' not found."})
    assert err.fix is not None
    assert "tenant" in err.fix.lower()


def test_unknown_error_still_clear() -> None:
    err = token_error({})
    assert "unknown_error" in str(err)
