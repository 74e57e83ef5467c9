"""Errors of the expression language, with the position they refer to.

Entra refuses an invalid expression when the mapping is saved and fails the export of one user when evaluation
goes wrong; sfprov keeps the two apart: :class:`ExpressionError` for text that cannot be accepted (raised by
``parse``/``validate``, a configuration problem) and :class:`ExpressionEvaluationError` for a failure while
computing one user's value (a per-user failure). Messages show where the problem is (line/column and a caret)
because expressions are written by hand in the configuration file.
"""

from __future__ import annotations

from sfprov.errors import SfprovError


def locate(text: str, position: int) -> tuple[int, int]:
    """1-based (line, column) of a 0-based offset into ``text``."""
    position = max(0, min(position, len(text)))
    line = text.count("\n", 0, position) + 1
    line_start = text.rfind("\n", 0, position) + 1
    return line, position - line_start + 1


def render(reason: str, text: str, position: int) -> str:
    """``reason`` + " at column N" (or "at line L, column N") + the offending line with a caret under it."""
    line, column = locate(text, position)
    where = f"column {column}" if "\n" not in text else f"line {line}, column {column}"
    lines = text.split("\n")
    shown = lines[line - 1] if line - 1 < len(lines) else ""
    if len(shown) > 120:  # keep the caret readable on long one-line expressions
        start = max(0, column - 60)
        shown = ("…" if start else "") + shown[start : start + 120]
        column = column - start + (1 if start else 0)
    return f"{reason} at {where}\n  {shown}\n  {' ' * (column - 1)}^"


class ExpressionError(SfprovError):
    """An expression that cannot be accepted, or (subclass) that failed to evaluate.

    ``reason`` is the bare explanation, ``position`` the 0-based offset into ``text`` (``None`` when unknown),
    ``str(error)`` the full message with line/column and caret.
    """

    def __init__(
        self, reason: str, position: int | None = None, text: str | None = None, *, fix: str | None = None
    ) -> None:
        message = render(reason, text, position) if text is not None and position is not None else reason
        super().__init__(message, fix=fix, code="InvalidExpression")
        self.reason = reason
        self.position = position
        self.text = text

    def __str__(self) -> str:
        if self.fix and "\n" in self.message:
            return f"{self.message}\nFix: {self.fix}"
        return super().__str__()

    @property
    def line(self) -> int | None:
        return None if self.text is None or self.position is None else locate(self.text, self.position)[0]

    @property
    def column(self) -> int | None:
        return None if self.text is None or self.position is None else locate(self.text, self.position)[1]


class ExpressionEvaluationError(ExpressionError):
    """Evaluating an expression for one user failed (wrong argument type, bad regex, several roles, ...).

    The message names the function; ``position`` is the offset of the failing call in the parsed text.
    """

    def __init__(self, function: str, reason: str, position: int | None = None, *, fix: str | None = None) -> None:
        super().__init__(f"{function}: {reason}" if function else reason, None, None, fix=fix)
        self.function = function
        self.position = position


class IgnoreFlow(Exception):
    """Raised by ``IgnoreFlowIfNullOrEmpty`` when its value is null or empty: leave the target attribute out.

    Not an error: the mapping layer catches it and sends nothing for the attribute (Entra "drops it from the flow",
    functions-for-customizing-application-data.md#ignoreflowifnullorempty).
    """
