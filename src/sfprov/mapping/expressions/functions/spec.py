"""How a function is described (signature, optional parameters, why it is refused) and how it gets its arguments.

Signatures are Entra's, in Entra's argument order (functions-for-customizing-application-data.md). The parser uses
them to refuse wrong argument counts and missing required arguments with a position; the evaluator hands the
implementation an :class:`Args` that evaluates arguments lazily, because ``IIF``/``Switch``/``Coalesce`` must not
evaluate the branches they do not take (a branch may fail, e.g. ``Mid`` on a short value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sfprov.mapping.expressions.ast import EmptyArgument, Expression, FunctionCall
from sfprov.mapping.expressions.errors import ExpressionEvaluationError
from sfprov.mapping.expressions.values import Value

if TYPE_CHECKING:
    from sfprov.mapping.expressions.evaluator import EvalContext


class Args:
    """The arguments of one call, evaluated on demand and at most once each."""

    def __init__(
        self,
        call: FunctionCall,
        ctx: EvalContext,
        evaluate: Callable[[Expression, EvalContext], Value],
    ) -> None:
        self.call = call
        self.ctx = ctx
        self._evaluate = evaluate
        self._cache: dict[int, Value] = {}

    def __len__(self) -> int:
        return len(self.call.args)

    def node(self, index: int) -> Expression:
        return self.call.args[index]

    def given(self, index: int) -> bool:
        """True when argument ``index`` was written (present and not an empty ``, ,`` slot)."""
        return index < len(self.call.args) and not isinstance(self.call.args[index], EmptyArgument)

    def value(self, index: int) -> Value:
        """The evaluated argument; null for an omitted or empty one."""
        if not self.given(index):
            return None
        if index not in self._cache:
            self._cache[index] = self._evaluate(self.call.args[index], self.ctx)
        return self._cache[index]

    def fail(self, reason: str, *, fix: str | None = None) -> ExpressionEvaluationError:
        """An evaluation error naming this function and pointing at the call."""
        return ExpressionEvaluationError(self.call.name, reason, self.call.start, fix=fix)


Implementation = Callable[[Args], Value]

__all__ = ["Args", "FunctionSpec", "Implementation", "Value"]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function of the language.

    ``params`` are the documented parameter names. ``min_args`` defaults to "up to the last required parameter",
    ``max_args`` to the number of parameters (the ``-1`` sentinel); when ``max_args`` is ``None`` the parameters from
    ``repeat_from`` on repeat (``Join(separator, source1, …, sourceN)``). ``optional`` holds the indices of
    parameters that may be left empty. ``refused`` says why sfprov will not run the function (it needs something
    only Entra has); such calls parse, but ``validate`` and ``evaluate`` refuse them with that reason.
    """

    name: str
    params: tuple[str, ...]
    impl: Implementation
    min_args: int | None = None
    max_args: int | None = -1
    optional: frozenset[int] = field(default_factory=frozenset)
    repeat_from: int = 0
    even_args: bool = False
    refused: str | None = None
    summary: str = ""

    @property
    def minimum(self) -> int:
        """Arguments that must be written: up to the last required parameter (trailing optional ones may go)."""
        if self.min_args is not None:
            return self.min_args
        required = [i for i in range(len(self.params)) if i not in self.optional]
        return required[-1] + 1 if required else 0

    @property
    def maximum(self) -> int | None:
        return len(self.params) if self.max_args == -1 else self.max_args

    def param_index(self, position: int) -> int:
        """Which declared parameter an argument position corresponds to (repeating ones wrap)."""
        if position < len(self.params):
            return position
        width = len(self.params) - self.repeat_from
        return self.repeat_from + (position - len(self.params)) % width

    def param_name(self, position: int) -> str:
        return self.params[self.param_index(position)]

    def may_be_empty(self, position: int) -> bool:
        return self.param_index(position) in self.optional

    def signature(self) -> str:
        shown = list(self.params)
        if self.maximum is None:
            shown.append("…")
        return f"{self.name}({', '.join(shown)})"
