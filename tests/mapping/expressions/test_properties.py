"""Property-based tests: the parser never crashes, and print → parse is the identity on trees."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sfprov.mapping.expressions import (
    Comparison,
    Expression,
    ExpressionError,
    ExpressionEvaluationError,
    IgnoreFlow,
    evaluate,
    from_graph,
    parse,
    to_graph,
)

from .conftest import make_context
from .strategies import expressions, top_level

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TREES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text made of the language's own characters reaches deep into the parser far more often than random Unicode.
syntax_alphabet = st.sampled_from(
    [*'[]()",\\ &Hh=<>-.0123456789\n', "Mid", "Replace", "Switch", "Guid", "[a]", '"x"', "vbTextCompare", ", ,"]
)
syntaxish_text = st.lists(syntax_alphabet, max_size=30).map("".join)


@FAST
@given(st.text(max_size=60))
def test_parser_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        parse(text)
    except ExpressionError as exc:
        position = exc.position
    else:
        return
    assert position is not None
    assert 0 <= position <= len(text)


@FAST
@given(syntaxish_text)
def test_parser_never_crashes_on_syntax_like_text(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionError as exc:
        position = exc.position
        assert position is not None
        assert 0 <= position <= len(text)
        return
    assert parse(tree.to_source()) == tree


@TREES
@given(top_level)
def test_print_then_parse_gives_the_same_tree(tree: Expression) -> None:
    text = tree.to_source()
    assert parse(text) == tree
    assert parse(text).to_source() == text


@TREES
@given(
    top_level,
    st.dictionaries(
        st.sampled_from(["a", "b", "x"]),
        st.one_of(
            st.none(), st.text(max_size=8), st.integers(), st.booleans(), st.lists(st.text(max_size=5), max_size=3)
        ),
    ),
)
def test_evaluation_fails_only_with_expression_errors(tree: Expression, attributes: dict[str, object]) -> None:
    """Whatever the tree and the data, evaluation returns a value or raises one of the language's own errors."""
    with contextlib.suppress(ExpressionEvaluationError, IgnoreFlow):
        evaluate(tree, make_context(attributes))


@TREES
@given(expressions)
def test_graph_form_is_stable(tree: Expression) -> None:
    """Reading a Graph tree back and writing it again gives the same tree (constants stay constants)."""
    assume(not any(isinstance(node, Comparison) for node in tree.walk()))
    graph = to_graph(tree)
    again = to_graph(from_graph(_without_text(graph)))
    assert _without_text(again) == _without_text(graph)


def _without_text(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_text(value) for key, value in node.items() if key != "expression"}
    if isinstance(node, list):
        return [_without_text(item) for item in node]
    return node
