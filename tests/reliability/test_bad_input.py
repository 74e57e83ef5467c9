"""Issue 10 §5: bad configuration and hostile directory data get a clear error or a safe transformation, never a crash
and never an injected query.

Three layers:

* the config loader (``sfprov.config.loader``): every mistake is a :class:`ConfigError` that names the key and the fix;
  generated text (hypothesis) never raises anything else;
* the mapping (``mapping.map_user`` + ``mapping.salesforce_rules``): generated attribute values (empty, 500
  characters, emoji, right-to-left marks, CR/LF, quotes) come out within Salesforce's lengths and picklists, or as a
  mapping issue, checked by the Salesforce emulator's own field rules (``emulators/salesforce/rules.py``);
* the SOQL the connector builds (``targets.salesforce.soql``): any value, quoted, parses in the emulator's SOQL parser
  as exactly one literal equal to the value (SOQL and SOSL Reference, "Quoted String Escape Sequences"; reference
  ``salesforce.md`` §12), and a hostile username matches exactly its own account;

then end to end: hostile users in the demo tenant go through real cycles over HTTPS.
"""

from __future__ import annotations

import asyncio
import itertools
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfprov.config import load_config, parse_config
from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.salesforce import rules as sf_rules
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.schema import SCHEMA
from sfprov.emulators.salesforce.seed import user_values
from sfprov.emulators.salesforce.soql import execute, parse
from sfprov.emulators.salesforce.soql.ast import Comparison
from sfprov.errors import ConfigError
from sfprov.mapping.config import MappingConfig
from sfprov.mapping.mapper import map_user
from sfprov.model import AppRoleAssignment, SourceUser
from sfprov.state import CycleStatus, LogQuery, LogStatus
from sfprov.targets.salesforce.soql import in_clauses, quote, select

from .fixtures_faults import SCALE, FaultWorld, build_world, demo_world, fast_salesforce_retries

__all__ = ["demo_world"]

EXAMPLES: Counter[str] = Counter()
"""Generated cases tried per property (reported in docs/dev/reliability-faults.md; printed with ``pytest -s``)."""

BASE = """
source:
  tenant_id: 6b1f4e2a-5c3d-4e8f-9a7b-1c2d3e4f5a6b
  client_id: 0f5e6d7c-8b9a-4c1d-8e2f-3a4b5c6d7e8f
  client_secret: {env: ENTRA_SECRET}
  scope: {mode: app_assignment, app_id: 2a9c8f3e-7d61-4b5a-9e0c-5f4d3b2a1c0e}
targets:
  - name: production
    login:
      method: client_credentials
      my_domain_url: https://contoso.my.salesforce.com
      client_id: 3MVG9-consumer-key
      client_secret: {env: SF_SECRET}
"""
MAPPING = "mapping:\n  attributes:\n    - {target: %s, %s}\n"


@pytest.fixture(scope="module", autouse=True)
def _print_examples() -> Iterator[None]:
    yield
    print("\nhypothesis examples:", dict(sorted(EXAMPLES.items())))


# -- the config ------------------------------------------------------------------------------------------------------

CONFIG_MISTAKES = {
    "invalid YAML": (BASE + "  - name: [oops\n", ["line", "column"]),
    "a tab": (BASE.replace("  - name", "\t- name"), ["'\\t'", "line 8"]),
    "empty file": ("", ["empty"]),
    "top level a list": ("- source\n- targets\n", ["top level"]),
    "unknown key": (BASE.replace("targets:", "sourc:\n  x: 1\ntargets:"), ["sourc", "did you mean 'source'"]),
    "unknown nested key": (BASE.replace("method: client", "methd_x: 1\n      method: client"), ["methd_x"]),
    "wrong type": (BASE.replace("name: production", "name: production\n    api_reserve: lots"), ["api_reserve"]),
    "out of range": (BASE.replace("name: production", "name: production\n    api_reserve: 1.5"), ["api_reserve"]),
    "bad target name": (BASE.replace("name: production", "name: Prod Org!"), ["targets[0].name"]),
    "expression syntax": (BASE + MAPPING % ("Alias", "expression: 'Mid([givenName], 1'"), ["column", "Mid("]),
    "unknown function": (BASE + MAPPING % ("Alias", "expression: 'Nope([givenName])'"), ["Unknown function"]),
    "misspelt field": (BASE + MAPPING % ("Departmnet", "source: department"), ["Did you mean Department"]),
    "secret in the file": (BASE.replace("client_secret: {env: SF_SECRET}", "client_secret: hunter2"), ["{env:"]),
    "unknown login method": (BASE.replace("method: client_credentials", "method: magic"), ["login"]),
}


@pytest.mark.parametrize("name", sorted(CONFIG_MISTAKES))
def test_config_mistakes_are_clear_errors(name: str) -> None:
    text, words = CONFIG_MISTAKES[name]
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    message = str(info.value)
    for word in words:
        assert word in message, message
    assert info.value.fix
    assert "hunter2" not in message


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert "No config file" in str(info.value)


yaml_chars = st.sampled_from(list(":-[]{}\"'#&*!|>%@`\t\n ,?") + list("abcxyz019") + ["\u202e", "😀", "\x00"])


@settings(max_examples=300 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(yaml_chars, max_size=60))
def test_generated_config_text_never_crashes(text: str) -> None:
    EXAMPLES["config text"] += 1
    error = config_error(text)
    assert error is None or error.message


@settings(max_examples=200 * SCALE, deadline=None)
@given(
    st.lists(
        st.sampled_from([*list("[]()&,\"' "), "Mid", "Join", "ToLower", "Coalesce", "IIF", "givenName", "1", "x"]),
        max_size=20,
    ).map("".join)
)
def test_generated_expressions_are_config_errors_or_valid(expression: str) -> None:
    EXAMPLES["expressions"] += 1
    error = config_error(BASE + MAPPING % ("Alias", "expression: " + quote_yaml(expression)))
    assert error is None or "mapping.attributes[0]" in error.message or "line" in error.message


def config_error(text: str) -> ConfigError | None:
    """The ConfigError ``text`` draws, or None when it is a valid config; any other exception propagates."""
    try:
        parse_config(text)
    except ConfigError as exc:
        return exc
    return None


def quote_yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_mapping_to_a_field_the_org_does_not_have_fails_the_cycle_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A custom field the org lacks passes the config (sfprov cannot know the org's custom fields offline); the
    cycle's first read of the mapped fields fails with Salesforce's INVALID_FIELD naming it, before any write."""
    fast_salesforce_retries(monkeypatch)
    world = build_world(tmp_path, monkeypatch, extra=MAPPING % ("Favourite_Colour__c", "source: department"))
    try:
        before = sum(1 for _ in world.org.scan("User"))
        report = world.cycle()
        assert report.status is CycleStatus.FAILED
        assert report.error is not None
        assert "Favourite_Colour__c" in report.error
        assert "INVALID_FIELD" in report.error
        assert sum(1 for _ in world.org.scan("User")) == before
        assert world.store.links.count("production") == 0
    finally:
        world.store.close()
        world.running.stop()


# -- the mapping -----------------------------------------------------------------------------------------------------

hostile_text = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.lists(
        st.sampled_from([*list("'\"\\%_\r\n\t "), "😀", "\u200f", "\u202e", "عربي", "é", "ß", "İ"]), max_size=30
    ).map("".join),
    st.text(min_size=300, max_size=500),
)
ROLE = AppRoleAssignment("role-1", "Standard User", "Standard User", "User", "user-1", "someone")
USER = SCHEMA["User"]
SINGLE_LINE = ("FirstName", "LastName", "Alias", "Username", "Email", "CommunityNickname", "Title", "Department")


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    given_name=hostile_text,
    surname=hostile_text,
    display_name=hostile_text,
    local=st.from_regex(r"[A-Za-z0-9'_!#^~-]{1,8}(\.[A-Za-z0-9'_!#^~-]{1,8}){0,2}", fullmatch=True),
    mail=st.one_of(st.none(), hostile_text, st.just("first.o'brien@contoso.com")),
    job_title=hostile_text,
    department=hostile_text,
)
def test_generated_directory_values_map_to_values_salesforce_accepts(
    given_name: str,
    surname: str,
    display_name: str,
    local: str,
    mail: str | None,
    job_title: str,
    department: str,
) -> None:
    EXAMPLES["map_user"] += 1
    user = SourceUser(
        "user-1",
        {
            "givenName": given_name,
            "surname": surname,
            "displayName": display_name,
            "userPrincipalName": f"{local}@contoso.com",
            "mail": mail,
            "mailNickname": local,
            "jobTitle": job_title,
            "department": department,
            "accountEnabled": True,
            "userType": "Member",
        },
        app_role_assignments=(ROLE,),
    )
    for defaults in ("gallery", "recommended"):
        desired = map_user(user, MappingConfig.model_validate({"defaults": defaults}), taken_nicknames=())
        if desired.errors:
            assert all(issue.message and issue.fix for issue in desired.errors)
            continue
        values = dict(desired.fields)
        sf_rules.check_lengths(USER, values)  # no STRING_TOO_LONG ever reaches Salesforce
        sf_rules.check_picklists(USER, values)
        for name in SINGLE_LINE:
            value = values.get(name)
            assert not (isinstance(value, str) and ("\r" in value or "\n" in value)), (name, value)
        # a mail that is no address: Salesforce's own per-record error, with its text, is the clear error
        assert format_error(values) in (None, "INVALID_EMAIL_ADDRESS")


def format_error(values: dict[str, Any]) -> str | None:
    """The error code the emulated org gives the user's formats (username, e-mail), or None when they are valid."""
    try:
        sf_rules.check_user_formats(values)
    except SalesforceError as exc:
        return exc.error_code
    return None


# -- SOQL quoting ----------------------------------------------------------------------------------------------------

soql_text = st.lists(
    st.characters(blacklist_categories=cast(Any, ("Cs",)), blacklist_characters="\x00")
    | st.sampled_from([*list("'\"\\%_\n\r\t\x08\x0c"), "' OR Id != '", "\\'", "\\\\'"]),
    max_size=20,
).map("".join)


@settings(max_examples=400 * SCALE, deadline=None)
@given(soql_text)
def test_a_quoted_value_parses_as_exactly_that_literal(value: str) -> None:
    EXAMPLES["soql quote"] += 1
    query = parse(select(["Id", "Username"], "User", f"Username = {quote(value)}"))
    assert isinstance(query.where, Comparison)
    assert query.where.op == "="
    assert query.where.values == (value,)


@settings(max_examples=200 * SCALE, deadline=None)
@given(st.lists(soql_text, min_size=1, max_size=8))
def test_an_in_clause_parses_as_exactly_those_literals(values: list[str]) -> None:
    EXAMPLES["soql in"] += 1
    for chunk, clause in in_clauses("Username", values):
        query = parse(select(["Id"], "User", clause))
        assert isinstance(query.where, Comparison)
        assert query.where.op == "IN"
        assert list(query.where.values) == chunk


@pytest.fixture(scope="module")
def org() -> Any:
    emulator = SalesforceEmulator.demo()
    return emulator, next(o for o in emulator.state.orgs.values() if o.kind == "production")


_SEQ = itertools.count()
email_local = st.text(string.ascii_lowercase + string.digits + "'!#$%&*+/=?^_`{|}~-", min_size=1, max_size=12)


@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(email_local, min_size=2, max_size=4, unique=True))
def test_hostile_usernames_match_exactly_their_own_account(org: Any, locals_: list[str]) -> None:
    """Usernames with quote and operator characters, created in the emulated org, then looked up the way the
    connector's ``find_by`` does: each lookup returns its own account and nothing else."""
    EXAMPLES["username lookup"] += 1
    emulator, production = org
    n = next(_SEQ)
    names = [f"{local}@h{n}.example.com" for local in locals_]
    profile = production.profile_id("Chatter Free User")
    for name in names:
        emulator.admin.add_user(production.id, user_values(name, "Hostile", "User", f"h{n}@example.com", profile))
    for name in names:
        (_, clause), *_rest = list(in_clauses("Username", [name]))
        rows = execute(parse(select(["Id", "Username"], "User", clause)), production, api_version="64.0")
        assert [r["Username"] for r in rows.records] == [name]
    _, clause = next(in_clauses("Username", names))
    rows = execute(parse(select(["Username"], "User", clause)), production, api_version="64.0")
    assert sorted(r["Username"] for r in rows.records) == sorted(names)


# -- end to end ------------------------------------------------------------------------------------------------------

HOSTILE: dict[str, dict[str, Any]] = {
    "empty.names": {"givenName": "", "surname": "", "displayName": "Empty Names"},
    "long.names": {"givenName": "G" * 500, "surname": "S" * 500, "displayName": "L" * 500, "department": "D" * 500},
    "emoji": {"givenName": "Zoë 🎉", "surname": "Smile😀", "displayName": "Emoji 🚀"},
    "rtl": {"givenName": "سارة", "surname": "\u200fالعربي", "displayName": "\u202eRTL override"},
    "no.mail": {"givenName": "No", "surname": "Mail", "displayName": "No Mail", "mail": None},
    "o'brien": {"givenName": "Seán", "surname": "O'Brien", "displayName": "Seán O'Brien"},
    "x'or'1": {"givenName": "x", "surname": "y' OR Username != '", "displayName": "' OR ''='"},
    "crlf": {"givenName": "Line\r\nBreak", "surname": "Crlf\r\nInjected: yes", "displayName": "CR\r\nLF"},
}
"""Hostile directory users, by UPN local part: each must get an account with safe values or a clear failure."""
EXPECTED_FAILURES = {"empty.names": "LastName", "no.mail": "Email"}


def add_hostile_users(world: FaultWorld) -> dict[str, str]:
    group = world.licensed_group["id"]
    ids = {}
    for local, props in HOSTILE.items():
        upn = f"{local}@contoso.com"
        values: dict[str, Any] = {"userPrincipalName": upn, "mail": upn, **props}
        user = world.entra.admin.add_user(**{k: v for k, v in values.items() if v is not None})
        world.entra.admin.add_member(group, str(user["id"]))
        ids[local] = str(user["id"])
    return ids


def test_hostile_directory_users_end_to_end(demo_world: FaultWorld) -> None:
    """Hostile users join after a first cycle, so the incremental cycle looks each one up by SOQL (find_by)."""
    world = demo_world
    world.cycle()
    untouched = {k: v for k, v in world.accounts().items()}
    ids = add_hostile_users(world)
    report = world.cycle()
    assert report.status is CycleStatus.PARTIAL, report.error
    failures = {
        e.source_id: e
        for e in world.store.log.query(LogQuery(limit=None, job="production", statuses=(LogStatus.FAILURE,)))
    }
    for local, source_id in ids.items():
        account = world.sf_user(f"{local}@contoso.com")
        if local in EXPECTED_FAILURES:
            assert account is None
            entry = failures[source_id]
            assert entry.error_code == "SalesforceRequiredFieldMissing"
            assert entry.error_message is not None
            assert EXPECTED_FAILURES[local] in entry.error_message
            continue
        assert account is not None, (local, failures.get(source_id))
        for name in ("FirstName", "LastName", "Alias", "CommunityNickname"):
            value = account[name] or ""
            assert "\r" not in value
            assert "\n" not in value
        assert len(account["LastName"]) <= 80
        assert len(account["FirstName"] or "") <= 40
    assert world.sf_user("x'or'1@contoso.com")["LastName"] == "y' OR Username != '"  # type: ignore[index]
    assert world.sf_user("crlf@contoso.com")["LastName"] == "Crlf Injected: yes"  # type: ignore[index]
    assert world.sf_user("emoji@contoso.com")["LastName"] == "Smile😀"  # type: ignore[index]
    # nobody else was touched: an injected query would have matched (and updated) other accounts
    after = world.accounts()
    assert {k: after[k] for k in untouched} == untouched
    again = world.cycle()
    assert again.status is CycleStatus.SUCCEEDED, again.error
    assert again.result is not None
    assert again.result.succeeded == 0


def test_upn_differing_only_in_case_from_an_account_is_adopted(demo_world: FaultWorld) -> None:
    """Entra refuses two UPNs that differ only in case (400 Request_BadRequest); Salesforce usernames are
    case-insensitive too, so an account named ``Mixed.CASE@...`` is the same user as UPN ``mixed.case@...``:
    adopted, never duplicated."""
    world = demo_world
    world.cycle()
    org = world.org
    existing = world.salesforce.admin.add_user(
        org.id,
        user_values(
            "Mixed.CASE@contoso.com", "Mixed", "Case", "mixed.case@contoso.com", org.profile_id("Standard User")
        ),
    )
    user = world.entra.admin.add_user(
        userPrincipalName="mixed.case@contoso.com",
        mail="mixed.case@contoso.com",
        givenName="Mixed",
        surname="Case",
        displayName="Mixed Case",
    )
    with pytest.raises(Exception, match="same value for property userPrincipalName"):
        world.entra.admin.add_user(userPrincipalName="MIXED.case@contoso.com", displayName="Twin")
    world.entra.admin.add_member(world.licensed_group["id"], str(user["id"]))
    report = world.cycle()
    assert report.status is CycleStatus.SUCCEEDED, report.error
    same = [u for u in world.accounts() if u == "mixed.case@contoso.com"]
    assert same == ["mixed.case@contoso.com"]
    link = world.store.links.get("production", str(user["id"]))
    assert link is not None
    assert link.target_id == existing


def test_no_cycle_crashes_on_hostile_users_from_the_first_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same users present from the start: the initial (full) cycle reads everything and matches in memory."""
    fast_salesforce_retries(monkeypatch)
    world = build_world(tmp_path, monkeypatch)
    try:
        add_hostile_users(world)
        report = asyncio.run(world.engine().run_cycle())
        assert report.status is CycleStatus.PARTIAL, report.error
        for local in HOSTILE:
            assert (world.sf_user(f"{local}@contoso.com") is None) == (local in EXPECTED_FAILURES)
    finally:
        world.store.close()
        world.running.stop()
