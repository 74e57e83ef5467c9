"""SOQL parsing and checking: the accepted subset, and every error with Salesforce's exact text and position."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfprov.emulators.salesforce import soql
from sfprov.emulators.salesforce.soql.ast import And, Comparison, Not, Or, RelativeDate
from sfprov.emulators.salesforce.soql.errors import excerpt
from sfprov.emulators.salesforce.soql.lexer import Kind, tokenize

NO_COLUMN = (
    "No such column '{0}' on entity '{1}'. If you are attempting to use a custom field, be sure to append the '__c' "
    "after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
)
NO_TYPE = (
    "sObject type '{0}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' "
    "after the entity name. Please reference your WSDL or the describe call for the appropriate names."
)
NO_RELATIONSHIP = (
    "Didn't understand relationship '{0}' in field path. If you are attempting to use a custom relationship, be sure "
    "to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
NO_CHILD = (
    "Didn't understand relationship '{0}' in FROM part of query call. If you are attempting to use a custom "
    "relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the "
    "describe call for the appropriate names."
)


# --- valid forms ----------------------------------------------------------------------------------------------------

VALID = [
    "SELECT Id FROM User",
    "select id from user",
    "SELECT Id, Username, Profile.Name, Profile.UserLicense.Name FROM User",
    "SELECT User.Id FROM User",
    "SELECT Assignee.Username, PermissionSet.Name FROM PermissionSetAssignment "
    "WHERE PermissionSet.IsOwnedByProfile = false",
    "SELECT Id, Name, UserLicenseId, UserLicense.Name FROM Profile",
    "SELECT Id FROM UserLogin WHERE UserId = '005000000000001'",
    "SELECT Id, Name, OrganizationType, IsSandbox, InstanceName, TrialExpirationDate FROM Organization",
    "SELECT Id, MasterLabel, TotalLicenses, UsedLicenses, Status FROM PermissionSetLicense",
    "SELECT Id, Name, DeveloperName, ParentRoleId FROM UserRole",
    "SELECT Id FROM PermissionSetLicenseAssign",
    "SELECT COUNT() FROM User",
    "SELECT count() FROM User WHERE IsActive = TRUE",
    "SELECT Id FROM User WHERE Username IN ('a@x.com', 'b@x.com') AND IsActive = true",
    "SELECT Id FROM User WHERE Username NOT IN ('a@x.com')",
    "SELECT Id FROM User WHERE (IsActive = true OR LastName = 'x') AND FirstName != null",
    "SELECT Id FROM User WHERE NOT IsActive = true",
    "SELECT Id FROM User WHERE NOT (IsActive = true OR LastName <> 'x')",
    "SELECT Id FROM User WHERE LastName LIKE 'Sm_th%'",
    "SELECT Id FROM User WHERE CreatedDate > 2026-01-01T00:00:00Z",
    "SELECT Id FROM User WHERE CreatedDate >= 2026-01-01T00:00:00.000+0100",
    "SELECT Id FROM User WHERE CreatedDate <= 2026-01-01T00:00:00-08:00",
    "SELECT Id FROM User WHERE LastLoginDate < LAST_N_DAYS:90 OR LastLoginDate = null",
    "SELECT Id FROM User WHERE LastLoginDate = TODAY",
    "SELECT Id FROM PermissionSetLicense WHERE ExpirationDate < 2027-01-01",
    "SELECT Id FROM PermissionSetLicense WHERE TotalLicenses > 5 AND UsedLicenses <= -1",
    "SELECT Id FROM User ORDER BY LastName",
    "SELECT Id FROM User ORDER BY LastName DESC NULLS LAST, FirstName ASC NULLS FIRST, Profile.Name",
    "SELECT Id FROM User LIMIT 10 OFFSET 20",
    "SELECT Id FROM User\nWHERE IsActive = true\nLIMIT 5",
    "SELECT Id, (SELECT PermissionSet.Name FROM PermissionSetAssignments) FROM User",
    "SELECT Id, (SELECT Id FROM permissionsetassignments WHERE IsActive = true ORDER BY Id LIMIT 5), Username "
    "FROM User",
    "SELECT Name, (SELECT AssigneeId FROM Assignments) FROM PermissionSet",
]


@pytest.mark.parametrize("text", VALID)
def test_valid_queries_parse(text: str) -> None:
    assert soql.parse(text).text == text


def test_names_resolve_to_canonical_spelling() -> None:
    q = soql.parse("select ID, USERNAME, profile.userlicense.NAME from USER where ISACTIVE = TRUE order by lastname")
    assert q.sobject.name == "User"
    assert [p.canonical for p in q.fields] == ["Id", "Username", "Profile.UserLicense.Name"]
    assert isinstance(q.where, Comparison)
    assert q.where.path.field.name == "IsActive"
    assert q.where.values == (True,)
    assert q.order_by[0].path.field.name == "LastName"


def test_object_name_prefix_is_stripped() -> None:
    q = soql.parse("SELECT Profile.Name FROM Profile")
    assert q.fields[0].canonical == "Name"


def test_condition_tree() -> None:
    q = soql.parse("SELECT Id FROM User WHERE (IsActive = true OR Alias = 'a') AND NOT LastName = 'b'")
    assert isinstance(q.where, And)
    first, second = q.where.parts
    assert isinstance(first, Or)
    assert isinstance(second, Not)


def test_limit_offset_count() -> None:
    q = soql.parse("SELECT COUNT() FROM User LIMIT 3 OFFSET 2")
    assert (q.count_only, q.fields, q.limit, q.offset) == (True, (), 3, 2)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("2026-01-01T00:00:00Z", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ("2026-01-01T01:00:00+01:00", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ("2026-01-01T01:00:00+0100", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ("2025-12-31T16:00:00.250-08:00", dt.datetime(2026, 1, 1, 0, 0, 0, 250000, tzinfo=dt.UTC)),
        ("TODAY", RelativeDate("TODAY")),
        ("LAST_N_DAYS:30", RelativeDate("LAST_N_DAYS", 30)),
    ],
)
def test_datetime_literals(literal: str, expected: object) -> None:
    q = soql.parse("SELECT Id FROM User WHERE LastLoginDate > " + literal)  # noqa: S608 (SOQL under test)
    assert isinstance(q.where, Comparison)
    assert q.where.values == (expected,)


# --- string literals and escapes (SOQL guide "Quoted String Escape Sequences") ---------------------------------------

ESCAPES = [
    (r"'plain'", "plain"),
    (r"'O\'Brien'", "O'Brien"),
    (r"'back\\slash'", "back\\slash"),
    (r"'a\nb\Nc'", "a\nb\nc"),
    (r"'a\rb\Rc'", "a\rb\rc"),
    (r"'a\tb\Tc'", "a\tb\tc"),
    (r"'a\bb\Bc'", "a\bb\bc"),
    (r"'a\fb\Fc'", "a\fb\fc"),
    (r"'say \"hi\"'", 'say "hi"'),
    (r"'caf\u00e9'", "café"),
    (r"'50\%'", "50%"),
    (r"'a\_b'", "a_b"),
    (r"'a\\_b'", "a\\_b"),
    (r"'x'' OR ''1''=''1'", None),  # two adjacent literals: not one string
    ("''", ""),
]


@pytest.mark.parametrize(("source", "value"), ESCAPES)
def test_string_escapes(source: str, value: str | None) -> None:
    tokens = tokenize(source)
    if value is None:
        assert [t.kind for t in tokens].count(Kind.STRING) > 1
        return
    assert [t.kind for t in tokens] == [Kind.STRING, Kind.EOF]
    assert tokens[0].value == value


@pytest.mark.parametrize(
    ("source", "pattern"),
    [
        (r"'Ter%'", "Ter.*"),
        (r"'Ter\%'", "Ter%"),
        (r"'Ter\%%'", "Ter%.*"),
        (r"'a_b'", "a.b"),
        (r"'a\_b'", "a_b"),
        (r"'a\\_b'", r"a\\.b"),
        (r"'1+1'", r"1\+1"),
        ("'\ue000_'", "\ue000."),
    ],
)
def test_like_patterns(source: str, pattern: str) -> None:
    assert tokenize(source)[0].pattern == pattern


def test_injection_attempt_stays_inside_the_literal() -> None:
    q = soql.parse(r"SELECT Id FROM User WHERE Username = 'x\' OR Username != \'y'")
    assert isinstance(q.where, Comparison)
    assert q.where.values == ("x' OR Username != 'y",)


# --- errors ---------------------------------------------------------------------------------------------------------


def _msg(text: str, column: int, detail: str, *, row: int = 1) -> str:
    """The whole message layout; the excerpt itself is checked against observed responses below."""
    line = text.split("\n")[row - 1]
    offset = sum(len(x) + 1 for x in text.split("\n")[: row - 1]) + column - 1
    shown, caret = excerpt(text, offset)
    assert shown in line
    return f"\n{shown}\n{' ' * caret}^\nERROR at Row:{row}:Column:{column}\n{detail}"


ERRORS = [
    ("SELECT Id FROM User WHERE", "MALFORMED_QUERY", 26, "unexpected token: '<EOF>'"),
    ("SELECT Id, FROM User", "MALFORMED_QUERY", 12, "unexpected token: 'FROM'"),
    ("SELECT FROM User", "MALFORMED_QUERY", 8, "unexpected token: 'SELECT FROM'"),
    ("SELECT Id User", "MALFORMED_QUERY", 11, "unexpected token: 'User'"),
    ("SELECT Id FROM User WHERE Id IN ()", "MALFORMED_QUERY", 34, "unexpected token: 'Id IN ()'"),
    ("SELECT Id FROM User WHERE Id NOT IN ()", "MALFORMED_QUERY", 38, "unexpected token: 'Id NOT IN ()'"),
    ("SELECT Id FROM User WHERE IsActive = true AND Alias = 'a' OR Alias = 'b'", "MALFORMED_QUERY", 59,
     "unexpected token: 'OR'"),
    ("SELECT Id FROM User WHERE Alias = 'a' OR Alias = 'b' AND IsActive = true", "MALFORMED_QUERY", 54,
     "unexpected token: 'AND'"),
    ("SELECT Id FROM User GROUP BY Alias", "MALFORMED_QUERY", 21, "unexpected token: 'GROUP'"),
    ("SELECT Id FROM User LIMIT x", "MALFORMED_QUERY", 27, "unexpected token: 'x'"),
    ("SELECT Id FROM User WHERE Username = :name", "MALFORMED_QUERY", 38, "Bind variables only allowed in Apex code"),
    ("SELECT Id FROM User WHERE Username = \"a\"", "MALFORMED_QUERY", 37, "line 1:37 unexpected token: '\"'"),
    ("SELECT Id from $casecomment", "MALFORMED_QUERY", 15, "line 1:15 unexpected token: '$'"),
    ("SELECT Id FROM User WHERE Username = 'abc", "MALFORMED_QUERY", 37, "line 1:37 unexpected token: ''abc'"),
    ("SELECT Id FROM User WHERE Username = 'a\\qb'", "MALFORMED_QUERY", 37, "line 1:37 unexpected token: ''a\\q'"),
    ("SELECT Id FROM User WHERE Username = 'a\\'", "MALFORMED_QUERY", 37, "line 1:37 unexpected token: ''a\\''"),
    ("SELECT Id FROM User WHERE Username LIKE null", "MALFORMED_QUERY", 41, "unexpected token: 'null'"),
    ("SELECT Id FROM Foo", "INVALID_TYPE", 16, NO_TYPE.format("Foo")),
    ("SELECT Id, Foo FROM User", "INVALID_FIELD", 12, NO_COLUMN.format("Foo", "User")),
    ("SELECT Id FROM User WHERE Bar = 'x'", "INVALID_FIELD", 27, NO_COLUMN.format("Bar", "User")),
    ("SELECT Id FROM User ORDER BY Baz", "INVALID_FIELD", 30, NO_COLUMN.format("Baz", "User")),
    ("SELECT Profile.Foo FROM User", "INVALID_FIELD", 8, NO_COLUMN.format("Foo", "Profile")),
    ("SELECT Foo.Name FROM User", "INVALID_FIELD", 8, NO_RELATIONSHIP.format("Foo")),
    ("SELECT Username.Name FROM User", "INVALID_FIELD", 8, NO_RELATIONSHIP.format("Username")),
    ("SELECT Profile FROM User", "INVALID_FIELD", 8, NO_COLUMN.format("Profile", "User")),
    ("SELECT Id FROM User WHERE IsActive = 'true'", "INVALID_FIELD", 38,
     "value of filter criterion for field 'IsActive' must be of type boolean and should not be enclosed in quotes"),
    ("SELECT Id FROM User WHERE CreatedDate > '2026-01-01'", "INVALID_FIELD", 41,
     "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes"),
    ("SELECT Id FROM User WHERE Username = 5", "INVALID_FIELD", 38,
     "value of filter criterion for field 'Username' must be of type string and should be enclosed in quotes"),
    ("SELECT Id FROM User WHERE Username = true", "INVALID_FIELD", 38,
     "value of filter criterion for field 'Username' must be of type string and should be enclosed in quotes"),
    ("SELECT Id FROM User WHERE Id = 'abc'", "MALFORMED_QUERY", 32, "invalid ID field: abc"),
    ("SELECT Id FROM User WHERE CreatedDate > 2020-12-12T12:12:00-25:00", "MALFORMED_QUERY", 41,
     "Invalid datetime: 2020-12-12T12:12:00-25:00"),
    ("SELECT Id FROM User WHERE CreatedDate > 2020-52-12T12:12:00-05:00", "MALFORMED_QUERY", 41,
     "Invalid datetime: 2020-52-12T12:12:00-05:00"),
    ("SELECT Id FROM User WHERE AboutMe = 'x'", "INVALID_FIELD", 27,
     "field 'AboutMe' can not be filtered in a query call"),
    ("SELECT Id FROM User ORDER BY AboutMe", "INVALID_FIELD", 30, "field 'AboutMe' can not be sorted in a query call"),
    ("SELECT Id, (SELECT Id FROM Foo) FROM User", "INVALID_TYPE", 28, NO_CHILD.format("Foo")),
    ("SELECT Id, (SELECT Id FROM PermissionSetAssignment) FROM User", "INVALID_TYPE", 28,
     NO_CHILD.format("PermissionSetAssignment")),
    ("SELECT Id, (SELECT Bar FROM PermissionSetAssignments) FROM User", "INVALID_FIELD", 20,
     NO_COLUMN.format("Bar", "PermissionSetAssignment")),
    ("SELECT Id, (SELECT Id FROM PermissionSetAssignments OFFSET 1) FROM User", "MALFORMED_QUERY", 53,
     "unexpected token: 'OFFSET'"),
    ("SELECT Id, (SELECT (SELECT Id FROM Assignments) FROM PermissionSetAssignments) FROM User", "MALFORMED_QUERY",
     20, "unexpected token: '('"),
    ("SELECT COUNT(), (SELECT Id FROM PermissionSetAssignments) FROM User", "MALFORMED_QUERY", 15,
     "unexpected token: ','"),
    ("SELECT COUNT() FROM User ORDER BY LastName", "MALFORMED_QUERY", 35,
     "Ordered field must be grouped or aggregated: LastName"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "code", "column", "detail"), ERRORS)
def test_error_texts(text: str, code: str, column: int, detail: str) -> None:
    with pytest.raises(soql.SoqlError) as info:
        soql.parse(text)
    err = info.value
    assert (err.error_code, err.detail, err.row, err.column) == (code, detail, 1, column)
    assert err.message == _msg(text, column, detail)


def test_duplicate_field() -> None:
    """SOQL reference, "FIELDS()": the error body is ``duplicate field selected: Id`` / INVALID_FIELD."""
    with pytest.raises(soql.SoqlError) as info:
        soql.parse("SELECT Id, Username, id FROM User")
    assert (info.value.error_code, info.value.message) == ("INVALID_FIELD", "duplicate field selected: Id")


def test_syntax_errors_win_over_name_errors() -> None:
    with pytest.raises(soql.SoqlError) as info:
        soql.parse("SELECT Foo FROM Bar WHERE")
    assert info.value.detail == "unexpected token: '<EOF>'"


def test_error_on_a_later_row() -> None:
    text = "SELECT Id\nFROM User\nWHERE Nope = 1"
    with pytest.raises(soql.SoqlError) as info:
        soql.parse(text)
    assert info.value.message == _msg(text, 7, NO_COLUMN.format("Nope", "User"), row=3)


def test_offset_ceiling() -> None:
    with pytest.raises(soql.SoqlError) as info:
        soql.parse("SELECT Id FROM User OFFSET 2001")
    assert (info.value.error_code, info.value.message) == (
        "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000",
    )  # fmt: skip
    assert soql.parse("SELECT Id FROM User OFFSET 2000").offset == 2000


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_query(text: str) -> None:
    with pytest.raises(soql.SoqlError) as info:
        soql.parse(text)
    assert (info.value.error_code, info.value.message) == ("MALFORMED_QUERY", "SOQL statements cannot be empty or null")


def test_lexical_error_position_quirk_matches_observed_response() -> None:
    text = 'SELECT FirstName, LastName FROM CampaignMember WHERE Id = "00v3D000003BjNa"'
    with pytest.raises(soql.SoqlError) as info:
        soql.parse(text)
    assert info.value.message == (
        '\nFROM CampaignMember WHERE Id = "00v3D000003BjNa"\n' + " " * 30 + "^\nERROR at Row:1:Column:58\n"
        "line 1:58 unexpected token: '\"'"
    )


# --- the excerpt window (fitted to real responses, see errors.py) ---------------------------------------------------


@pytest.mark.parametrize(
    ("line", "error_at", "shown", "caret"),
    [
        # INVALID_FIELD at column 114 in a long select list (observed response)
        ("SELECT Id, OwnerId, IsDeleted, Name, RecordTypeId, CurrencyIsoCode, SystemModstamp, LastModifiedById, "
         "CreatedById,OCE__ActualCap__c,TPI_Product__c,Name,OCE__JobId__c FROM OCE__ActivityPlan__c",
         "TPI_Product__c", "CreatedById,OCE__ActualCap__c,TPI_Product__c,Name,OCE__JobId__c", 30),
        # lexer error at column 58 (observed response)
        ('SELECT FirstName, LastName FROM CampaignMember WHERE Id = "00v3D000003BjNa"', '"',
         'FROM CampaignMember WHERE Id = "00v3D000003BjNa"', 31),
        # INVALID_TYPE at column 16 (observed response; the window stops after the dotted name)
        ("SELECT Id FROM DataSpace WHERE DataSpaceDefinition.DeveloperName = 'default'", "DataSpace ",
         "SELECT Id FROM DataSpace WHERE DataSpaceDefinition.DeveloperName", 15),
    ],
)  # fmt: skip
def test_excerpt_window_matches_observed_responses(line: str, error_at: str, shown: str, caret: int) -> None:
    assert excerpt(line, line.index(error_at)) == (shown, caret)


# --- quoting round trip (what a careful client sends always means the text it quoted) -------------------------------

_CLIENT_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def _client_quote(text: str) -> str:
    """Quoting as the SOQL guide prescribes (escape ``\\``, ``'``, ``"`` and control characters)."""
    return "'" + "".join(_CLIENT_ESCAPES.get(ch, ch) for ch in text) + "'"


@given(st.text(max_size=60))
def test_quoted_text_round_trips_as_one_literal(text: str) -> None:
    tokens = tokenize(_client_quote(text))
    assert [t.kind for t in tokens] == [Kind.STRING, Kind.EOF]
    assert tokens[0].value == text


@given(st.text(max_size=40))
def test_quoted_text_is_always_a_single_comparison(text: str) -> None:
    where = "Username = " + _client_quote(text) + " AND IsActive = true"
    q = soql.parse("SELECT Id FROM User WHERE " + where)  # noqa: S608 (SOQL under test)
    assert isinstance(q.where, And)
    first, second = q.where.parts
    assert isinstance(first, Comparison)
    assert first.values == (text,)
    assert isinstance(second, Comparison)
    assert second.path.field.name == "IsActive"


def test_subquery_resolves_to_canonical_names_and_keeps_its_position() -> None:
    q = soql.parse("SELECT Id, (SELECT permissionset.name FROM permissionsetassignments), Username FROM user")
    assert [p.canonical for p in q.fields] == ["Id", "Username"]
    (sub,) = q.subqueries
    assert (sub.relationship, sub.sobject.name, sub.reference.name, sub.position) == (
        "PermissionSetAssignments", "PermissionSetAssignment", "AssigneeId", 1,
    )  # fmt: skip
    assert [p.canonical for p in sub.fields] == ["PermissionSet.Name"]
