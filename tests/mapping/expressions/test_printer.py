"""Printer: canonical, documentation-style text that parses back to the same tree."""

from __future__ import annotations

import pytest

from sfprov.mapping.expressions import (
    AttributeRef,
    Comparison,
    EmptyArgument,
    FunctionCall,
    Identifier,
    NumberLiteral,
    StringLiteral,
    parse,
    to_source,
)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ('Replace([mail], "@contoso.com", , ,"", ,)', 'Replace([mail], "@contoso.com", , , "", , )'),
        ("Coalesce([mail],[userPrincipalName])", "Coalesce([mail], [userPrincipalName])"),
        ('IIF([country]="USA",[country],[department])', 'IIF([country] = "USA", [country], [department])'),
        ("BitAnd(&hf, &HF7)", "BitAnd(&HF, &HF7)"),
        ('Switch([Active], ,\n "1", "True")', 'Switch([Active], , "1", "True")'),
        ("Guid( )", "Guid()"),
        ("Mid( [upn] , 1 , 8 )", "Mid([upn], 1, 8)"),
    ],
)
def test_canonical_text(text: str, canonical: str) -> None:
    assert parse(text).to_source() == canonical
    assert parse(canonical).to_source() == canonical


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (StringLiteral('say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"'),
        (StringLiteral(""), '""'),
        (NumberLiteral(-10), "-10"),
        (NumberLiteral(0.1), "0.1"),
        (NumberLiteral(1e-7), "0.0000001"),
        (NumberLiteral(2.0), "2.0"),
        (NumberLiteral(255, hex=True), "&HFF"),
        (Identifier("vbTextCompare"), "vbTextCompare"),
        (AttributeRef("Employee ID"), "[Employee ID]"),
        (Comparison(">=", AttributeRef("a"), NumberLiteral(5)), "[a] >= 5"),
        (
            FunctionCall(
                "Replace",
                (
                    AttributeRef("x"),
                    StringLiteral("-"),
                    EmptyArgument(),
                    EmptyArgument(),
                    StringLiteral("_"),
                    EmptyArgument(),
                    EmptyArgument(),
                ),
            ),
            'Replace([x], "-", , , "_", , )',
        ),
    ],
)
def test_node_text(node: object, text: str) -> None:
    assert to_source(node) == text  # type: ignore[arg-type]
    assert parse(text) == node


def test_to_source_refuses_foreign_objects() -> None:
    with pytest.raises(TypeError):
        to_source("not a node")  # type: ignore[arg-type]
