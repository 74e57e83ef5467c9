"""Entra's attribute-mapping expression language: parser, printer, validator and evaluator.

Models the language of Microsoft Entra app provisioning (MicrosoftDocs/entra-docs,
docs/identity/app-provisioning/functions-for-customizing-application-data.md) so that mappings written for the
Salesforce gallery app keep working unchanged. See docs/dev/mapping-expressions.md.

Typical use::

    expr = compile_expression('Mid([userPrincipalName], 1, 8)')      # parse + validate
    value = evaluate(expr, EvalContext.for_user(user))                 # may raise IgnoreFlow
    expr.references()                                                  # {"userPrincipalName"}
"""

from __future__ import annotations

from sfprov.mapping.expressions.ast import (
    AttributeRef,
    Comparison,
    EmptyArgument,
    Expression,
    FunctionCall,
    Identifier,
    NumberLiteral,
    StringLiteral,
)
from sfprov.mapping.expressions.errors import ExpressionError, ExpressionEvaluationError, IgnoreFlow
from sfprov.mapping.expressions.evaluator import EvalContext, evaluate
from sfprov.mapping.expressions.functions import FUNCTIONS, FunctionSpec, Value
from sfprov.mapping.expressions.graph import from_graph, to_graph
from sfprov.mapping.expressions.parser import MAX_EXPRESSION_LENGTH, parse
from sfprov.mapping.expressions.printer import to_source
from sfprov.mapping.expressions.validate import compile_expression, is_redacted, validate
from sfprov.mapping.expressions.values import as_text

__all__ = [
    "FUNCTIONS",
    "MAX_EXPRESSION_LENGTH",
    "AttributeRef",
    "Comparison",
    "EmptyArgument",
    "EvalContext",
    "Expression",
    "ExpressionError",
    "ExpressionEvaluationError",
    "FunctionCall",
    "FunctionSpec",
    "Identifier",
    "IgnoreFlow",
    "NumberLiteral",
    "StringLiteral",
    "Value",
    "as_text",
    "compile_expression",
    "evaluate",
    "from_graph",
    "is_redacted",
    "parse",
    "to_graph",
    "to_source",
    "validate",
]
