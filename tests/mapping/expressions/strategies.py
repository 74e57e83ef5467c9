"""Hypothesis strategies: random, well-formed expression trees (every function, arity and empty-argument rule)."""

from __future__ import annotations

from hypothesis import strategies as st

from sfprov.mapping.expressions import (
    FUNCTIONS,
    AttributeRef,
    Comparison,
    EmptyArgument,
    Expression,
    FunctionCall,
    Identifier,
    NumberLiteral,
    StringLiteral,
)
from sfprov.mapping.expressions.ast import COMPARISON_OPERATORS
from sfprov.mapping.expressions.functions import WORDS

attribute_names = st.one_of(
    st.sampled_from(["a", "b", "x"]),  # names the evaluation test gives values to
    st.text(
        alphabet=st.characters(blacklist_characters="[]\n", blacklist_categories=("Cs",)), min_size=1, max_size=12
    ).filter(lambda name: name.strip() != ""),
)

leaves: st.SearchStrategy[Expression] = st.one_of(
    attribute_names.map(AttributeRef),
    st.text(max_size=12).map(StringLiteral),
    st.sampled_from(
        ["d", "m", "yyyy", "ww", "2021-08-24", "1/2/2020 3:04:05 PM", "True", "5", "yyyy-MM-dd", "(?<g>a)", "g"]
    ).map(StringLiteral),
    st.integers(min_value=-(10**12), max_value=10**12).map(NumberLiteral),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9).map(NumberLiteral),
    st.integers(min_value=0, max_value=2**32).map(lambda v: NumberLiteral(v, hex=True)),
    st.sampled_from(sorted(WORDS)).map(Identifier),
)


@st.composite
def _call(draw: st.DrawFn, children: st.SearchStrategy[Expression]) -> Expression:
    spec = FUNCTIONS[draw(st.sampled_from(sorted(FUNCTIONS)))]
    maximum = spec.maximum if spec.maximum is not None else spec.minimum + 3
    count = draw(st.integers(min_value=spec.minimum, max_value=maximum))
    if spec.even_args and count % 2:
        count = count + 1 if spec.maximum is None or count + 1 <= spec.maximum else count - 1
    args: list[Expression] = []
    for position in range(count):
        if spec.may_be_empty(position) and draw(st.booleans()):
            args.append(EmptyArgument())
        elif draw(st.integers(0, 5)) == 0:
            args.append(Comparison(draw(st.sampled_from(COMPARISON_OPERATORS)), draw(children), draw(children)))
        else:
            args.append(draw(children))
    return FunctionCall(spec.name, tuple(args))


def _extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    return _call(children)


expressions: st.SearchStrategy[Expression] = st.recursive(leaves, _extend, max_leaves=12)
"""Any tree the parser can produce (comparisons only as arguments, never chained)."""

top_level: st.SearchStrategy[Expression] = st.one_of(
    expressions,
    st.builds(Comparison, st.sampled_from(COMPARISON_OPERATORS), expressions, expressions),
)
