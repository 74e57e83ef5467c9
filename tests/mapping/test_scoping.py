"""Scoping filters: every Entra operator, null semantics, AND within a filter, OR across filters."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping.config import ScopingClause, ScopingConfig
from sfprov.mapping.scoping import clause_matches, evaluate_scope

from .conftest import make_user


def clause(operator: str, value: Any = None, attribute: str = "department") -> ScopingClause:
    return ScopingClause.model_validate({"attribute": attribute, "operator": operator, "value": value})


@pytest.mark.parametrize(
    ("operator", "operand", "value", "expected"),
    [
        ("EQUALS", "Sales", "Sales", True),
        ("EQUALS", "Sales", "sales", False),
        ("EQUALS", "Sales", None, False),
        ("NOT EQUALS", "Sales", "Marketing", True),
        ("NOT EQUALS", "Sales", "Sales", False),
        ("NOT EQUALS", "Sales", "sales", True),
        ("NOT EQUALS", "Sales", None, False),
        ("NOT EQUALS", "Sales", "", False),
        ("IS TRUE", None, True, True),
        ("IS TRUE", None, "True", True),
        ("IS TRUE", None, False, False),
        ("IS TRUE", None, None, False),
        ("IS FALSE", None, False, True),
        ("IS FALSE", None, "false", True),
        ("IS FALSE", None, None, False),
        ("IS NULL", None, None, True),
        ("IS NULL", None, "", True),
        ("IS NULL", None, "x", False),
        ("IS NOT NULL", None, "x", True),
        ("IS NOT NULL", None, None, False),
        ("IS NOT NULL", None, "", False),
        ("REGEX MATCH", r".*\@contoso.com", "ada@contoso.com", True),
        ("REGEX MATCH", r"^(1[0-9]{6})$", "1234567", True),
        ("REGEX MATCH", "Sales", "sales", False),
        ("REGEX MATCH", "(?<dept>Sal)es", "Sales", True),
        ("REGEX MATCH", "x", None, False),
        ("NOT REGEX MATCH", r".*\@contoso.com", "ada@fabrikam.com", True),
        ("NOT REGEX MATCH", r".*\@contoso.com", "ada@contoso.com", False),
        ("NOT REGEX MATCH", "x", None, False),
        ("NOT REGEX MATCH", "x", "", False),
        ("Greater_Than", 10, "11", True),
        ("Greater_Than", 10, 10, False),
        ("Greater_Than", 10, "ten", False),
        ("Greater_Than", 10, None, False),
        ("Greater_Than_OR_EQUALS", 10, 10, True),
        ("Greater_Than_OR_EQUALS", 10, "9", False),
        ("Greater_Than_OR_EQUALS", "-1", 0, True),
        ("Includes", "ale", "Sales", True),
        ("Includes", "ALE", "Sales", False),
        ("Includes", "x", None, False),
        ("&", "Sales,Marketing", "Sales", True),
        ("&", "Sales,Marketing", "Support", False),
        ("&", "Sales,Marketing", None, False),
        ("!&", "Sales,Marketing", "Support", True),
        ("!&", "Sales,Marketing", "Sales", False),
        ("!&", "Sales,Marketing", None, False),
        ("ENDS_WITH", "@contoso.com", "ada@contoso.com", True),
        ("ENDS_WITH", "@contoso.com", "ada@contoso.com.au", False),
        ("ENDS_WITH", "x", None, False),
        ("EQUALS", "Sales", ["Sales"], False),
        ("IS NOT NULL", None, ["a", "b"], False),
    ],
)
def test_operator(operator: str, operand: Any, value: Any, expected: bool) -> None:
    assert clause_matches(clause(operator, operand), value) is expected


def test_full_regex_mode_anchors_the_pattern() -> None:
    assert clause_matches(clause("REGEX MATCH", "[1-9][0-9]"), "100") is True
    assert clause_matches(clause("REGEX MATCH", "[1-9][0-9]"), "100", regex="full") is False
    assert clause_matches(clause("REGEX MATCH", "[1-9][0-9]"), "42", regex="full") is True


SCOPING = ScopingConfig.model_validate(
    {
        "filters": [
            {
                "title": "Sales in Germany",
                "clauses": [
                    {"attribute": "department", "operator": "EQUALS", "value": "Sales"},
                    {"attribute": "country", "operator": "EQUALS", "value": "DE"},
                ],
            },
            {
                "title": "Contoso staff",
                "clauses": [{"attribute": "userPrincipalName", "operator": "ENDS_WITH", "value": "@contoso.com"}],
            },
        ]
    }
)


@pytest.mark.parametrize(
    ("attributes", "in_scope"),
    [
        ({"department": "Sales", "country": "DE", "userPrincipalName": "a@fabrikam.com"}, True),
        ({"department": "Sales", "country": "FR", "userPrincipalName": "a@fabrikam.com"}, False),
        ({"department": "Sales", "country": None, "userPrincipalName": "a@fabrikam.com"}, False),
        ({"department": "Sales", "country": "FR", "userPrincipalName": "a@contoso.com"}, True),
        ({"userPrincipalName": "ada_contoso.com#EXT#@tenant.onmicrosoft.com"}, True),
    ],
)
def test_clauses_and_filters(attributes: dict[str, Any], in_scope: bool) -> None:
    decision = evaluate_scope(make_user(**attributes), SCOPING)
    assert decision.in_scope is in_scope
    assert len(decision.filters) == 2
    assert ("passes" in decision.reason()) is in_scope


def test_no_filter_means_in_scope() -> None:
    decision = evaluate_scope(make_user(), ScopingConfig())
    assert decision.in_scope
    assert decision.reason() == "no scoping filter: in scope"


def test_the_reason_names_the_failing_clause() -> None:
    decision = evaluate_scope(make_user(department="Sales", country="FR", userPrincipalName="a@fabrikam.com"), SCOPING)
    assert "'Sales in Germany' (country EQUALS DE)" in decision.reason()
    assert "'Contoso staff' (userPrincipalName ENDS_WITH @contoso.com)" in decision.reason()
    texts = [c.text() for f in decision.filters for c in f.clauses]
    assert "country EQUALS DE → False (value: 'FR')" in texts
