"""Explain: scope, matching and every field with the rule that produced it, as text and as JSON-ready data."""

from __future__ import annotations

import json

from sfprov.mapping.config import MappingConfig, ScopingConfig
from sfprov.mapping.explain import explain_user, render

from .conftest import make_user

SCOPING = ScopingConfig.model_validate(
    {"filters": [{"title": "Sales", "clauses": [{"attribute": "department", "operator": "EQUALS", "value": "Sales"}]}]}
)


def test_render_shows_each_rule_and_each_reason() -> None:
    user = make_user(surname=None, department="Sales", jobTitle="Head of\r\nEngines")
    config = MappingConfig.model_validate(
        {"defaults": "recommended", "attributes": [{"target": "Title", "source": "jobTitle"}]}
    )
    text = render(explain_user(user, config, SCOPING, taken_nicknames=["ada.lovelace"], sandbox="dev1"))
    lines = text.splitlines()
    assert (
        lines[0] == "User ada.lovelace@contoso.com (source id 0b1e7c9a-1111-4222-8333-444455556666), operation: create"
    )
    assert lines[1] == "Scope: in scope — passes scoping filter 'Sales'"
    assert "  [Sales] department EQUALS Sales → True (value: 'Sales')" in lines
    assert "Matching: Username = 'ada.lovelace@contoso.com.dev1'" in lines
    assert any(
        line.strip().startswith("LastName") and "default value '.' ([surname] gave null" in line for line in lines
    )
    assert any("repaired by sandbox-suffix: '.dev1' appended" in line for line in lines)
    assert any("repaired by strip-control-characters" in line for line in lines)
    assert any("repaired by unique-nickname: 'ada.lovelace' is taken" in line for line in lines)
    assert any(line.strip().startswith("ProfileName") and "SingleAppRoleAssignment" in line for line in lines)
    assert lines[-1] == "Result: can be written"


def test_render_on_update_lists_what_is_not_sent_and_why() -> None:
    text = render(explain_user(make_user(mail=None, department="HR"), MappingConfig(), SCOPING, operation="update"))
    assert "Scope: OUT OF SCOPE — fails every scoping filter: 'Sales' (department EQUALS Sales)" in text
    assert "not sent: the source value is null; nulls are not provisioned  [[mail]]" in text
    assert "Only where empty in Salesforce: EmailEncodingKey = 'ISO-8859-1'" in text


def test_errors_are_listed_with_their_fix() -> None:
    text = render(explain_user(make_user(mail=None), MappingConfig()))
    assert "error: Email: Salesforce needs Email to create a user and the mapping gives none. Fix:" in text
    assert text.endswith("Result: will NOT be written (errors above)")


def test_as_dict_is_json_ready() -> None:
    explanation = explain_user(
        make_user(),
        MappingConfig.model_validate({"permission_set_rules": [{"group": "Sales", "permission_sets": ["A"]}]}),
        SCOPING,
    )
    data = json.loads(json.dumps(explanation.as_dict()))
    assert data["inScope"] is False
    assert data["matching"] == [{"field": "Username", "value": "ada.lovelace@contoso.com"}]
    fields = {f["field"]: f for f in data["fields"]}
    assert fields["Username"]["origin"] == "direct"
    assert fields["Username"]["rule"] == "[userPrincipalName]"
    assert fields["PermissionSets"]["value"] == []
    assert fields["EmailEncodingKey"]["origin"] == "default"
