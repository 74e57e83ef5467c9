"""REST sobjects: create (201), read with fields, update (204), describe, refused DELETE, freeze, assignments."""

from __future__ import annotations

from tests.emulators.salesforce.conftest import Kit

NOT_FOUND = [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


def test_create_read_update_user(kit: Kit) -> None:
    token = kit.token()
    created = kit.rest("POST", "sobjects/User", token, json=kit.new_user_body("ada.lovelace@kit.example.com"))
    assert created.status_code == 201
    body = created.json()
    assert list(body) == ["id", "success", "errors"]
    assert body["success"] is True
    assert body["errors"] == []
    user_id = body["id"]
    assert user_id.startswith("005")
    assert len(user_id) == 18
    read = kit.rest("GET", f"sobjects/User/{user_id}", token, params={"fields": "Username,Title"})
    assert read.status_code == 200
    assert read.json() == {
        "attributes": {"type": "User", "url": f"/services/data/v64.0/sobjects/User/{user_id}"},
        "Username": "ada.lovelace@kit.example.com",
        "Title": None,
        "Id": user_id,
    }
    updated = kit.rest("PATCH", f"sobjects/User/{user_id}", token, json={"Title": "Analyst"})
    assert updated.status_code == 204
    assert updated.content == b""
    assert kit.rest("GET", f"sobjects/User/{user_id}", token, params={"fields": "Title"}).json()["Title"] == "Analyst"


def test_record_errors_keep_salesforce_codes(kit: Kit) -> None:
    token = kit.token()
    body = kit.new_user_body("grace.hopper@kit.example.com")
    del body["LastName"]
    missing = kit.rest("POST", "sobjects/User", token, json=body)
    assert missing.status_code == 400
    assert missing.json() == [
        {
            "message": "Required fields are missing: [LastName]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["LastName"],
        }
    ]
    taken = kit.rest("POST", "sobjects/User", token, json=kit.new_user_body(kit.admin.username))
    assert taken.status_code == 400
    assert taken.json()[0]["errorCode"] == "DUPLICATE_USERNAME"
    assert taken.json()[0]["fields"] == ["Username"]


def test_delete_user_is_refused(kit: Kit) -> None:
    answer = kit.rest("DELETE", f"sobjects/User/{kit.standard.user_id}", kit.token())
    assert answer.status_code == 405
    assert answer.json() == [
        {
            "message": "HTTP Method 'DELETE' not allowed. Allowed are GET,HEAD,PATCH",
            "errorCode": "METHOD_NOT_ALLOWED",
            "fields": [],
        }
    ]


def test_unknown_sobject_unknown_record_and_bad_ids(kit: Kit) -> None:
    token = kit.token()
    assert kit.rest("GET", "sobjects/Account/describe", token).json() == NOT_FOUND
    unknown = kit.rest("GET", "sobjects/User/005000000000000AAA", token)
    assert (unknown.status_code, unknown.json()) == (404, NOT_FOUND)
    not_an_id = kit.rest("GET", "sobjects/User/not-an-id", token)
    assert not_an_id.status_code == 404
    assert not_an_id.json() == [
        {
            "message": "Provided external ID field does not exist or is not accessible: not-an-id",
            "errorCode": "NOT_FOUND",
        }
    ]
    other_type = kit.rest("GET", f"sobjects/User/{kit.org.profile_id('Standard User')}", token)
    assert other_type.status_code == 400
    assert other_type.json()[0]["errorCode"] == "MALFORMED_ID"
    bad_field = kit.rest("GET", f"sobjects/User/{kit.admin.user_id}", token, params={"fields": "Nope"})
    assert bad_field.status_code == 400
    assert bad_field.json()[0]["errorCode"] == "INVALID_FIELD"
    assert kit.rest("GET", "no/such/thing", token).json() == NOT_FOUND


def test_wrong_method_and_malformed_json(kit: Kit) -> None:
    token = kit.token()
    put = kit.rest("PUT", f"sobjects/User/{kit.admin.user_id}", token, json={})
    assert put.status_code == 405
    assert put.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    assert put.json()[0]["message"].startswith("HTTP Method 'PUT' not allowed. Allowed are ")
    broken = kit.rest(
        "POST", "sobjects/User", token, content=b'{"LastName": }', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    error = broken.json()[0]
    assert error["errorCode"] == "JSON_PARSER_ERROR"
    assert error["message"] == "Unexpected character ('}' (code 125)): expected a value at [line:1, column:14]"


def test_describe(kit: Kit) -> None:
    answer = kit.rest("GET", "sobjects/User/describe", kit.token())
    assert answer.status_code == 200
    body = answer.json()
    assert body["name"] == "User"
    assert any(f["name"] == "Username" for f in body["fields"])
    listing = kit.rest("GET", "sobjects", kit.token()).json()
    assert "User" in [s["name"] for s in listing["sobjects"]]


def test_without_manage_users_user_writes_are_refused(kit: Kit) -> None:
    token = kit.token(kit.standard)
    answer = kit.rest("POST", "sobjects/User", token, json=kit.new_user_body("no.rights@kit.example.com"))
    assert answer.status_code == 400
    assert answer.json() == [
        {
            "message": "insufficient access rights on object id",
            "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY",
            "fields": [],
        }
    ]
    patch = kit.rest("PATCH", f"sobjects/User/{kit.no_api.user_id}", token, json={"Title": "x"})
    assert patch.json()[0]["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"


def test_permission_set_assignment_create_and_delete(kit: Kit) -> None:
    token = kit.token()
    permission_set = kit.org.tables["PermissionSet"].first("Name", "Sales_Operations")["Id"]
    created = kit.rest(
        "POST",
        "sobjects/PermissionSetAssignment",
        token,
        json={"AssigneeId": kit.standard.user_id, "PermissionSetId": permission_set},
    )
    assert created.status_code == 201
    assignment = created.json()["id"]
    assert assignment.startswith("0Pa")
    assert kit.rest("DELETE", f"sobjects/PermissionSetAssignment/{assignment}", token).status_code == 204
    again = kit.rest("GET", f"sobjects/PermissionSetAssignment/{assignment}", token)
    assert again.status_code == 404


def test_freeze_through_user_login(kit: Kit) -> None:
    token = kit.token()
    login_id = kit.org.user_login(kit.standard.user_id)["Id"]
    assert kit.rest("PATCH", f"sobjects/UserLogin/{login_id}", token, json={"IsFrozen": True}).status_code == 204
    read = kit.rest("GET", f"sobjects/UserLogin/{login_id}", token, params={"fields": "IsFrozen,UserId"}).json()
    assert read["IsFrozen"] is True
    assert read["UserId"] == kit.standard.user_id
    assert kit.password_grant(kit.standard).json() == {
        "error": "invalid_grant",
        "error_description": "authentication failure",
    }


def test_every_authenticated_answer_carries_the_limit_header(kit: Kit) -> None:
    token = kit.token()
    for answer in (
        kit.rest("GET", "limits", token),
        kit.rest("GET", "sobjects/Nope", token),
        kit.rest("DELETE", f"sobjects/User/{kit.admin.user_id}", token),
    ):
        assert answer.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_bodies_must_deserialize_before_anything_is_saved(kit: Kit) -> None:
    token = kit.token()
    unknown = kit.rest("POST", "sobjects/User", token, json={**kit.new_user_body("x.y@kit.example.com"), "Foo": 1})
    assert unknown.status_code == 400
    assert unknown.json()[0]["errorCode"] == "INVALID_FIELD"
    assert unknown.json()[0]["message"] == "No such column 'Foo' on sobject of type User"
    wrong_type = kit.rest("PATCH", f"sobjects/User/{kit.standard.user_id}", token, json={"IsActive": "yes"})
    assert (wrong_type.status_code, wrong_type.json()[0]["errorCode"]) == (400, "JSON_PARSER_ERROR")
    assert kit.org.user_by_username("x.y@kit.example.com") is None
