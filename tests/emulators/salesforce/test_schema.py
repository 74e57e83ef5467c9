"""The data dictionary against the reference (salesforce.md §2, §3, §5, §6): field facts other parts rely on."""

from __future__ import annotations

import json

import pytest

from sfprov.emulators.salesforce import schema
from sfprov.emulators.salesforce.schema import SCHEMA, describe, sobject, sobject_for_id

# reference §3.3: (field, type, length)
USER_FIELDS = [
    ("Id", "id", 18),
    ("Username", "string", 80),
    ("FirstName", "string", 40),
    ("LastName", "string", 80),
    ("Name", "string", 121),
    ("Alias", "string", 8),
    ("CommunityNickname", "string", 40),
    ("Email", "email", 128),
    ("FederationIdentifier", "string", 512),
    ("EmployeeNumber", "string", 20),
    ("Title", "string", 80),
    ("Department", "string", 80),
    ("Division", "string", 80),
    ("CompanyName", "string", 80),
    ("Street", "textarea", 255),
    ("City", "string", 40),
    ("State", "string", 80),
    ("PostalCode", "string", 20),
    ("Country", "string", 80),
    ("Phone", "phone", 40),
    ("MobilePhone", "phone", 40),
    ("Fax", "phone", 40),
    ("Extension", "phone", 40),
    ("EmailEncodingKey", "picklist", 40),
    ("LanguageLocaleKey", "picklist", 40),
    ("LocaleSidKey", "picklist", 40),
    ("TimeZoneSidKey", "picklist", 40),
    ("ProfileId", "reference", 18),
    ("UserRoleId", "reference", 18),
    ("ManagerId", "reference", 18),
    ("UserType", "picklist", 40),
    ("IsActive", "boolean", 0),
    ("SenderEmail", "email", 80),
    ("UserPermissionsMarketingUser", "boolean", 0),
    ("LastLoginDate", "datetime", 0),
    ("CreatedDate", "datetime", 0),
    ("LastModifiedDate", "datetime", 0),
]


@pytest.mark.parametrize(("name", "type_", "length"), USER_FIELDS)
def test_user_field_types_and_lengths(name: str, type_: str, length: int) -> None:
    f = SCHEMA["User"].field(name)
    assert f is not None
    assert (f.name, f.type, f.length) == (name, type_, length)


def test_user_required_fields_are_the_reference_list() -> None:
    required = {f.name for f in SCHEMA["User"].fields if f.required_on_create}
    assert required == {
        "Username", "LastName", "Alias", "Email", "EmailEncodingKey", "LanguageLocaleKey", "LocaleSidKey",
        "ProfileId", "TimeZoneSidKey",
    }  # fmt: skip


@pytest.mark.parametrize(
    "name",
    ["Id", "Name", "UserType", "LastLoginDate", "CreatedDate", "LastModifiedDate", "SystemModstamp", "CreatedById",
     "LastModifiedById"],
)  # fmt: skip
def test_user_read_only_fields(name: str) -> None:
    f = SCHEMA["User"].field(name)
    assert f is not None
    assert not f.createable
    assert not f.updateable


def test_lookup_is_case_insensitive_and_canonical() -> None:
    user = sobject("uSeR")
    assert user is not None
    assert user.name == "User"
    f = user.field("username")
    assert f is not None
    assert f.name == "Username"
    assert user.field("Foo") is None
    assert sobject("Foo") is None


@pytest.mark.parametrize(
    ("obj", "rel", "field_name", "target"),
    [
        ("User", "Profile", "ProfileId", "Profile"),
        ("User", "Manager", "ManagerId", "User"),
        ("User", "UserRole", "UserRoleId", "UserRole"),
        ("Profile", "UserLicense", "UserLicenseId", "UserLicense"),
        ("PermissionSetAssignment", "Assignee", "AssigneeId", "User"),
        ("PermissionSetAssignment", "PermissionSet", "PermissionSetId", "PermissionSet"),
    ],
)
def test_relationships(obj: str, rel: str, field_name: str, target: str) -> None:
    f = SCHEMA[obj].relationship(rel.lower())
    assert f is not None
    assert f.name == field_name
    assert f.reference_to == (target,)


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("User", "005"),
        ("Organization", "00D"),
        ("Profile", "00e"),
        ("PermissionSet", "0PS"),
        ("PermissionSetAssignment", "0Pa"),
        ("UserLicense", "100"),
        ("UserRole", "00E"),
        ("PermissionSetLicense", "0PL"),
        ("PermissionSetLicenseAssign", "2LA"),
        ("UserLogin", "060"),
    ],
)
def test_key_prefixes(name: str, prefix: str) -> None:
    assert SCHEMA[name].key_prefix == prefix
    found = sobject_for_id(prefix + "000000000001AAA")
    assert found is not None
    assert found.name == name


def test_key_prefixes_are_unique() -> None:
    prefixes = [o.key_prefix for o in SCHEMA.values()]
    assert len(prefixes) == len(set(prefixes))


def test_user_cannot_be_deleted_but_assignments_can() -> None:
    assert not SCHEMA["User"].deletable
    assert SCHEMA["PermissionSetAssignment"].deletable


@pytest.mark.parametrize(
    ("field_name", "values"),
    [
        ("TimeZoneSidKey", ["America/Los_Angeles", "Europe/London", "Europe/Paris", "Europe/Berlin", "Asia/Tokyo",
                            "Australia/Sydney", "GMT"]),
        ("LocaleSidKey", ["en_US", "en_GB", "fr_FR", "de_DE", "nl_NL", "es_ES", "ja_JP"]),
        ("LanguageLocaleKey", ["en_US", "de", "es", "fr", "it", "ja", "sv", "ko", "zh_TW", "zh_CN", "pt_BR", "nl_NL",
                               "da", "th", "fi", "ru", "es_MX", "no"]),
        ("EmailEncodingKey", ["UTF-8", "ISO-8859-1", "Shift_JIS", "ISO-2022-JP", "EUC-JP", "ks_c_5601-1987", "Big5",
                              "GB2312", "Big5-HKSCS", "x-SJIS_0213"]),
    ],
)  # fmt: skip
def test_restricted_picklists(field_name: str, values: list[str]) -> None:
    f = SCHEMA["User"].field(field_name)
    assert f is not None
    assert f.restricted_picklist
    for v in values:
        assert f.allows_picklist_value(v), v
    assert not f.allows_picklist_value("en-US")
    assert not f.allows_picklist_value("america/los_angeles")  # picklist API values compare exactly


def test_describe_user_shape() -> None:
    d = describe("user", "66.0")
    assert d is not None
    assert (d["name"], d["keyPrefix"], d["createable"], d["updateable"], d["deletable"], d["queryable"]) == (
        "User", "005", True, True, False, True,
    )  # fmt: skip
    assert d["urls"]["sobject"] == "/services/data/v66.0/sobjects/User"
    assert d["urls"]["rowTemplate"] == "/services/data/v66.0/sobjects/User/{ID}"
    by_name = {f["name"]: f for f in d["fields"]}
    profile = by_name["ProfileId"]
    assert (profile["type"], profile["referenceTo"], profile["relationshipName"]) == (
        "reference",
        ["Profile"],
        "Profile",
    )
    tz = by_name["TimeZoneSidKey"]
    assert tz["restrictedPicklist"] is True
    la = next(p for p in tz["picklistValues"] if p["value"] == "America/Los_Angeles")
    assert la["label"] == "(GMT-08:00) Pacific Standard Time (America/Los_Angeles)"
    assert set(la) == {"active", "defaultValue", "label", "validFor", "value"}
    assert by_name["Username"]["length"] == 80
    assert by_name["Username"]["byteLength"] == 240
    assert by_name["IsActive"]["defaultValue"] is True
    assert by_name["IsActive"]["nillable"] is False
    assert by_name["Name"]["createable"] is False
    children = {c["relationshipName"] for c in d["childRelationships"]}
    assert "PermissionSetAssignments" in children


def test_describe_unknown_is_none() -> None:
    assert describe("Account") is None


def test_every_reference_points_to_an_emulated_sobject() -> None:
    for obj in SCHEMA.values():
        for f in obj.fields:
            for target in f.reference_to:
                assert target in SCHEMA, (obj.name, f.name, target)


def test_default_api_version() -> None:
    assert schema.DEFAULT_API_VERSION == "64.0"


FIELD_TYPES = {"id", "string", "email", "phone", "textarea", "url", "picklist", "boolean", "int", "double", "date",
               "datetime", "reference"}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_every_sobject_describes_consistently(name: str) -> None:
    obj = SCHEMA[name]
    d = describe(name)
    assert d is not None
    json.dumps(d)  # plain JSON
    assert (d["name"], d["keyPrefix"], d["queryable"]) == (name, obj.key_prefix, True)
    assert [f["name"] for f in d["fields"]] == list(obj.field_names)
    assert obj.field_names[0] == "Id"
    assert len(set(n.lower() for n in obj.field_names)) == len(obj.field_names)
    for f in obj.fields:
        assert f.type in FIELD_TYPES, (name, f.name)
        assert f.label
        assert bool(f.picklist_values) == (f.type == "picklist"), (name, f.name)
        assert bool(f.reference_to) == (f.type == "reference"), (name, f.name)
        if f.type == "boolean":
            assert not f.nillable
            assert isinstance(f.default_on_create, bool)
        if not obj.createable:
            assert not f.required_on_create, (name, f.name)


@pytest.mark.parametrize(
    ("obj", "fields"),
    [
        ("Profile", ["Id", "Name", "UserLicenseId", "UserType", "PermissionsApiEnabled", "PermissionsManageUsers",
                     "Description"]),
        ("UserLicense", ["Id", "Name", "MasterLabel", "LicenseDefinitionKey", "Status", "TotalLicenses", "UsedLicenses",
                         "UsedLicensesLastUpdated", "MonthlyLoginsEntitlement", "MonthlyLoginsUsed"]),
        ("UserRole", ["Id", "Name", "DeveloperName", "ParentRoleId"]),
        ("PermissionSet", ["Id", "Name", "Label", "IsOwnedByProfile", "ProfileId", "LicenseId",
                           "PermissionSetGroupId"]),
        ("PermissionSetAssignment", ["Id", "AssigneeId", "PermissionSetId", "PermissionSetGroupId", "ExpirationDate",
                                     "IsActive", "IsRevoked"]),
        ("PermissionSetLicense", ["Id", "MasterLabel", "DeveloperName", "TotalLicenses", "UsedLicenses", "Status"]),
        ("PermissionSetLicenseAssign", ["Id", "AssigneeId", "PermissionSetLicenseId"]),
        ("UserLogin", ["Id", "UserId", "IsFrozen", "IsPasswordLocked"]),
        ("Organization", ["Id", "Name", "OrganizationType", "IsSandbox", "InstanceName", "TrialExpirationDate",
                          "LanguageLocaleKey", "TimeZoneSidKey", "DefaultLocaleSidKey"]),
    ],
)  # fmt: skip
def test_setup_object_fields(obj: str, fields: list[str]) -> None:
    for name in fields:
        assert SCHEMA[obj].field(name) is not None, (obj, name)


def test_write_rules_of_setup_objects() -> None:
    psa = SCHEMA["PermissionSetAssignment"]
    assignee = psa.field("AssigneeId")
    assert assignee is not None
    assert (assignee.createable, assignee.updateable, assignee.required_on_create) == (True, False, True)
    login = SCHEMA["UserLogin"]
    frozen = login.field("IsFrozen")
    assert frozen is not None
    assert (login.createable, login.updateable, frozen.updateable) == (False, True, True)
    assert not SCHEMA["UserLicense"].createable
    assert not any(f.createable or f.updateable for f in SCHEMA["UserLicense"].fields)
    assert not SCHEMA["Organization"].updateable


def test_user_permission_checkboxes() -> None:
    user = SCHEMA["User"]
    for name in ("UserPermissionsMarketingUser", "UserPermissionsOfflineUser", "UserPermissionsCallCenterAutoLogin",
                 "UserPermissionsKnowledgeUser", "UserPermissionsSupportUser"):  # fmt: skip
        f = user.field(name)
        assert f is not None
        assert (f.type, f.default_on_create, f.createable, f.updateable) == ("boolean", False, True, True)


def test_polymorphic_licence_reference() -> None:
    d = describe("PermissionSet")
    assert d is not None
    licence = next(f for f in d["fields"] if f["name"] == "LicenseId")
    assert licence["referenceTo"] == ["PermissionSetLicense", "UserLicense"]
    assert (licence["relationshipName"], licence["polymorphicForeignKey"]) == ("License", True)
