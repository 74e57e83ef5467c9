"""The Graph attributeMappingSource form (synchronization schema JSON)."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping.expressions import ExpressionError, from_graph, parse, to_graph


def constant(name: str) -> dict[str, Any]:
    return {"expression": f'"{name}"', "name": name, "parameters": [], "type": "Constant"}


def attribute(name: str) -> dict[str, Any]:
    return {"expression": f"[{name}]", "name": name, "parameters": [], "type": "Attribute"}


GRAPH_DOC_MID = {
    "expression": "Mid([userPrincipalName], 1, 8)",
    "name": "Mid",
    "parameters": [
        {"key": "source", "value": attribute("userPrincipalName")},
        {"key": "start", "value": constant("1")},
        {"key": "length", "value": constant("8")},
    ],
    "type": "Function",
}


def test_graph_docs_example() -> None:
    assert to_graph(parse("Mid([userPrincipalName], 1, 8)")) == GRAPH_DOC_MID
    assert to_graph(parse("[mail]")) == attribute("mail")  # the docs' simple mapping


def test_empty_arguments_are_left_out() -> None:
    graph = to_graph(parse('Replace([x], "-", , , "_", , )'))
    assert [pair["key"] for pair in graph["parameters"]] == ["source", "oldValue", "replacementValue"]


def without_text(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if key != "expression"}


@pytest.mark.parametrize(
    ("text", "read_back"),
    [
        ("Mid([userPrincipalName], 1, 8)", 'Mid([userPrincipalName], "1", "8")'),
        ('Replace([x], "-", , , "_", , )', 'Replace([x], "-", , , "_", , )'),
        ('Switch([Active], , "1", "True", "0", "False")', 'Switch([Active], , "1", "True", "0", "False")'),
        ('Join(", ", [a], [b], [c])', 'Join(", ", [a], [b], [c])'),
        ('InStr([a], "x", , vbTextCompare)', 'InStr([a], "x", , "vbTextCompare")'),
        ("Guid()", "Guid()"),
        ("SingleAppRoleAssignment([appRoleAssignments])", "SingleAppRoleAssignment([appRoleAssignments])"),
    ],
)
def test_tree_only_sources_are_read(text: str, read_back: str) -> None:
    assert from_graph(without_text(to_graph(parse(text)))).to_source() == read_back


def test_text_wins_when_present() -> None:
    assert from_graph(GRAPH_DOC_MID) == parse("Mid([userPrincipalName], 1, 8)")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"name": "Nope", "type": "Function", "parameters": []}, "unknown function 'Nope'"),
        ({"name": "x", "type": "Reference"}, "unknown type 'Reference'"),
        ({"name": 5, "type": "Constant"}, "'name' must be text"),
        ({"name": "Mid", "type": "Function", "parameters": [{"key": "begin", "value": constant("1")}]}, "no parameter"),
        ({"name": "Mid", "type": "Function", "parameters": "x"}, "'parameters' must be a list"),
        ({"name": "Mid", "type": "Function", "parameters": [{"value": constant("1")}]}, "expected {'key', 'value'}"),
        ({"name": "Mid", "type": "Function", "parameters": [{"key": "source", "value": 3}]}, "expected an attribute"),
    ],
)
def test_bad_trees(source: dict[str, Any], message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        from_graph(source)


def test_missing_required_parameter_is_refused_like_text() -> None:
    with pytest.raises(ExpressionError, match=r"Argument 2 \(start\) of Mid must not be empty"):
        from_graph({"name": "Mid", "type": "Function", "parameters": [{"key": "source", "value": attribute("a")}]})


def test_comparisons_have_no_tree_form() -> None:
    with pytest.raises(ExpressionError, match="no documented Graph parse-tree form"):
        to_graph(parse('IIF([c] = "US", "a", "b")'))
