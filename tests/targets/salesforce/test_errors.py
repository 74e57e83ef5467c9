import pytest

from sfprov import errors as e
from sfprov.targets.salesforce.errors import from_error_item, from_response


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("UNABLE_TO_LOCK_ROW", e.Transient),
        ("REQUEST_LIMIT_EXCEEDED", e.RateLimited),
        ("INVALID_SESSION_ID", e.AuthFailed),
        ("DUPLICATE_USERNAME", e.Conflict),
        ("LICENSE_LIMIT_EXCEEDED", e.LicenceLimit),
        ("REQUIRED_FIELD_MISSING", e.InvalidField),
        ("INSUFFICIENT_ACCESS_OR_READONLY", e.PermissionDenied),
        ("NOT_FOUND", e.NotFound),
    ],
)
def test_codes_map_to_kinds(code: str, cls: type[e.ConnectorError]) -> None:
    err = from_error_item({"errorCode": code, "message": "m", "fields": ["Username"]})
    assert type(err) is cls
    assert err.code == code
    assert err.fields == ("Username",)
    assert code in str(err)


def test_collection_results_use_status_code() -> None:
    err = from_error_item({"statusCode": "DUPLICATE_USERNAME", "message": "Duplicate Username.", "fields": []})
    assert isinstance(err, e.Conflict)
    assert "unique across all Salesforce orgs" in (err.fix or "")


def test_unknown_codes_fall_back_on_status() -> None:
    assert isinstance(from_response(503, "<html>maintenance</html>"), e.Transient)
    assert isinstance(from_response(404, []), e.NotFound)
    assert isinstance(from_response(418, None), e.ConnectorError)


def test_rest_error_array() -> None:
    err = from_response(
        400,
        [
            {
                "message": "Required fields are missing: [LastName]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["LastName"],
            }
        ],
    )
    assert isinstance(err, e.InvalidField)
    assert "LastName" in str(err)
