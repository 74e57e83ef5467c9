"""SOQL errors in Salesforce's own words, with the excerpt, caret and ``ERROR at Row:R:Column:C`` lines.

Why: connectors parse these messages (and people read them), so the emulator reproduces their layout. The body of a
query error is, as real responses show it (restforce#688, forcedotcom/soql-tooling#86, public client test suites)::

    \\n<excerpt of the query line>\\n<spaces>^\\nERROR at Row:<row>:Column:<column>\\n<detail>

``row`` and ``column`` are 1-based. The excerpt is not always the whole line: long queries show a window of about
30 characters either side of the error, widened to whole words (observed: a column-114 error shows
``CreatedById,OCE__ActualCap__c,TPI_Product__c,Name,OCE__JobId__c`` with the caret 30 characters in; a column-58
error shows ``FROM CampaignMember WHERE Id = "00v3D000003BjNa"``). The window width is inferred from those samples
(UNVERIFIED as a rule) and is a module constant.
"""

from __future__ import annotations

from dataclasses import dataclass

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
NUMBER_OUTSIDE_VALID_RANGE = "NUMBER_OUTSIDE_VALID_RANGE"

INVALID_ID_ERROR_CODE = MALFORMED_QUERY
"""Error code of ``invalid ID field: X``. Older orgs answered ``INVALID_QUERY_FILTER_OPERATOR``; the Summer '24
release notes say ``MALFORMED_QUERY`` replaces it (UNVERIFIED for this exact message)."""

EXCERPT_RADIUS = 30
"""Characters of query text shown on each side of the error position, before widening to whole words."""

_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")


class SoqlError(Exception):
    """A query Salesforce refuses: ``error_code`` (MALFORMED_QUERY, INVALID_FIELD, ...) and the full ``message``.

    ``row``/``column`` (1-based, None when the error has no position) and ``detail`` (the last line of the message)
    are kept apart for the SOAP fault, which reports them as separate elements."""

    def __init__(self, error_code: str, message: str, *, detail: str | None = None, row: int | None = None,
                 column: int | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.detail = detail if detail is not None else message
        self.row = row
        self.column = column

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"


@dataclass(frozen=True)
class Position:
    """A 0-based offset into the query text, turned into Salesforce's 1-based row and column on demand."""

    offset: int

    def row_col(self, text: str) -> tuple[int, int]:
        before = text[: self.offset]
        row = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        return row, self.offset - line_start + 1


def excerpt(text: str, offset: int) -> tuple[str, int]:
    """The excerpt of the line holding ``offset`` and the caret's index inside it (see module docstring)."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    if line_end == -1:
        line_end = len(text)
    line = text[line_start:line_end]
    at = offset - line_start
    start = max(0, at - EXCERPT_RADIUS)
    while start > 0 and line[start - 1] in _WORD_CHARS and line[start] in _WORD_CHARS:
        start -= 1
    end = min(len(line), at + EXCERPT_RADIUS + 1)
    while end < len(line) and line[end - 1] in _WORD_CHARS and line[end] in _WORD_CHARS:
        end += 1
    return line[start:end], at - start


def positioned(error_code: str, text: str, offset: int, detail: str) -> SoqlError:
    """A :class:`SoqlError` whose message points at ``offset`` in ``text`` the way Salesforce formats it."""
    row, column = Position(offset).row_col(text)
    snippet, caret = excerpt(text, offset)
    message = f"\n{snippet}\n{' ' * caret}^\nERROR at Row:{row}:Column:{column}\n{detail}"
    return SoqlError(error_code, message, detail=detail, row=row, column=column)


def no_such_column(field: str, entity: str) -> str:
    return (
        f"No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure to "
        "append the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
        "appropriate names."
    )


def unsupported_sobject(name: str) -> str:
    return (
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append "
        "the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
    )


def unknown_relationship(name: str) -> str:
    return (
        f"Didn't understand relationship '{name}' in field path. If you are attempting to use a custom "
        "relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL "
        "or the describe call for the appropriate names."
    )


def unknown_child_relationship(name: str) -> str:
    return (
        f"Didn't understand relationship '{name}' in FROM part of query call. If you are attempting to use a custom "
        "relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or "
        "the describe call for the appropriate names."
    )
