"""Tokens of Entra's expression syntax, each with its offset in the text.

Syntax facts (functions-for-customizing-application-data.md, "Syntax overview", and the forms the page's own
examples use): attributes in square brackets, string constants in double quotes where a backslash escapes ``"``
and ``\\``, bare numbers, VB hex numbers ``&H…``, names, parentheses, commas and the comparison operators
``= <> > >= < <=`` that IIF accepts. Whitespace, including line breaks (the page's multi-line ``Switch``
example), separates tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sfprov.mapping.expressions.errors import ExpressionError


class Kind(Enum):
    ATTRIBUTE = "attribute"
    STRING = "string"
    NUMBER = "number"
    HEX = "hex number"
    NAME = "name"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    OPERATOR = "operator"
    END = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    """The token's value: the attribute name, the unescaped string, the number's digits, the operator ..."""
    start: int
    end: int

    def describe(self) -> str:
        if self.kind is Kind.END:
            return "end of expression"
        if self.kind in (Kind.LPAREN, Kind.RPAREN, Kind.COMMA, Kind.OPERATOR):
            return f"'{self.text}'"
        return f"{self.kind.value}"


_OPERATORS = ("<>", "<=", ">=", "=", "<", ">")
_NAME_START = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_REST = _NAME_START | set("0123456789")
_HEX_DIGITS = set("0123456789abcdefABCDEF")
_WHITESPACE = set(" \t\r\n\f\v\u00a0")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens ending with an END token; raises ExpressionError with the offending position."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _WHITESPACE:
            i += 1
        elif ch == "[":
            tokens.append(_attribute(text, i))
            i = tokens[-1].end
        elif ch == '"':
            tokens.append(_string(text, i))
            i = tokens[-1].end
        elif (ch.isascii() and ch.isdigit()) or (
            ch in "-." and i + 1 < n and text[i + 1].isascii() and text[i + 1].isdigit()
        ):
            tokens.append(_number(text, i))
            i = tokens[-1].end
        elif ch == "&" and text[i + 1 : i + 2] in ("H", "h"):
            tokens.append(_hex(text, i))
            i = tokens[-1].end
        elif ch in _NAME_START:
            j = i + 1
            while j < n and text[j] in _NAME_REST:
                j += 1
            tokens.append(Token(Kind.NAME, text[i:j], i, j))
            i = j
        elif ch in "(),":
            kind = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA}[ch]
            tokens.append(Token(kind, ch, i, i + 1))
            i += 1
        elif ch in "<>=":
            op = next(o for o in _OPERATORS if text.startswith(o, i))
            tokens.append(Token(Kind.OPERATOR, op, i, i + len(op)))
            i += len(op)
        elif ch == "]":
            raise ExpressionError("Unexpected ']' without a matching '['", i, text)
        elif ch == "'":
            raise ExpressionError(
                'Unexpected "\'": string constants are written in double quotes', i, text, fix='Write "text".'
            )
        else:
            raise ExpressionError(f"Unexpected character {ch!r}", i, text)
    tokens.append(Token(Kind.END, "", n, n))
    return tokens


def _attribute(text: str, start: int) -> Token:
    end = start + 1
    while end < len(text) and text[end] not in "]\n[":
        end += 1
    if end >= len(text) or text[end] != "]":
        raise ExpressionError("Unterminated attribute name: expected ']'", end, text)
    name = text[start + 1 : end]
    if not name.strip():
        raise ExpressionError("Empty attribute name '[]'", start, text)
    return Token(Kind.ATTRIBUTE, name, start, end + 1)


def _string(text: str, start: int) -> Token:
    """A double-quoted constant. ``\\"`` is a quote and ``\\\\`` a backslash (the documented escapes); a backslash
    before any other character is kept as written, so regex patterns such as ``"\\d"`` survive (UNVERIFIED how Entra
    treats them; its docs always double the backslash)."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return Token(Kind.STRING, "".join(out), start, i + 1)
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ExpressionError("Unterminated string constant: expected '\"'", len(text), text)


def _number(text: str, start: int) -> Token:
    i = start + 1 if text[start] == "-" else start
    while i < len(text) and text[i].isascii() and text[i].isdigit():
        i += 1
    if i < len(text) and text[i] == "." and i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isdigit():
        i += 1
        while i < len(text) and text[i].isascii() and text[i].isdigit():
            i += 1
    if i < len(text) and text[i] in _NAME_REST:
        raise ExpressionError(f"Unexpected character {text[i]!r} in a number", i, text)
    return Token(Kind.NUMBER, text[start:i], start, i)


def _hex(text: str, start: int) -> Token:
    i = start + 2
    while i < len(text) and text[i] in _HEX_DIGITS:
        i += 1
    if i == start + 2:
        raise ExpressionError("Expected hex digits after '&H'", i, text)
    if i < len(text) and text[i] in _NAME_REST:
        raise ExpressionError(f"Unexpected character {text[i]!r} in a hex number", i, text)
    return Token(Kind.HEX, text[start + 2 : i], start, i)
