"""Tokens of SOQL text: identifiers (with dotted paths), string/number/date/datetime literals, operators.

Why a hand-written lexer: string literals decide SOQL injection safety, so quoting and escapes follow the SOQL guide
exactly ("Quoted String Escape Sequences"): ``\\n \\N \\r \\R \\t \\T \\b \\B \\f \\F \\" \\' \\\\`` and ``\\uXXXX``
anywhere, ``\\_`` and ``\\%`` for a literal ``_``/``%`` in a LIKE pattern; any other backslash, and a string that
never closes, is a lexical error. Each string token carries both its decoded value and, for LIKE, the equivalent
regular expression, so that an escaped wildcard can never be confused with a real one.

Lexical errors use the form the current SOQL parser gives (Summer '24 release notes: ``line 1:15 unexpected token:
'$'`` for a stray character, 0-based column in the ``line`` part): the text from the start of the bad token up to
the character that broke it is quoted, as an ANTLR lexer reports a token it could not recognise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from sfprov.emulators.salesforce.soql.errors import MALFORMED_QUERY, Position, SoqlError, positioned


class Kind(Enum):
    IDENT = "ident"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    OP = "op"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    COLON = ":"
    EOF = "<EOF>"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    """The source text of the token (for a string: with its quotes and escapes, as written)."""
    offset: int
    value: str = ""
    """Decoded value: the string's content (escapes resolved, ``\\_`` as ``_``), else the text."""
    pattern: str = ""
    """For a string: the LIKE pattern as a regular expression (``%`` -> ``.*``, ``_`` -> ``.``, escapes literal)."""

    def is_keyword(self, *words: str) -> bool:
        return self.kind is Kind.IDENT and self.text.upper() in words


_SIMPLE_ESCAPES = {
    "n": "\n", "N": "\n", "r": "\r", "R": "\r", "t": "\t", "T": "\t", "b": "\b", "B": "\b", "f": "\f", "F": "\f",
    '"': '"', "'": "'", "\\": "\\",
}  # fmt: skip
_KEPT_ESCAPES = frozenset("_%")
_HEX = frozenset("0123456789abcdefABCDEF")
_PLAIN_RUN = re.compile(r"[^'\\]+")

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:[Zz]|[+-]\d{2}:?\d{2})")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?![0-9A-Za-z])")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?![A-Za-z_])")
_OPS = ("<=", ">=", "!=", "<>", "=", "<", ">")


def _lex_error(text: str, start: int, bad: str) -> SoqlError:
    """A lexical error. Observed quirk (a ``"`` at 0-based position 58 is reported as ``Column:58`` with the caret
    one character to its left): the Row/Column and caret of lexical errors sit one character before the offending
    one, while the ``line R:C`` text gives its true 0-based column."""
    row, column = Position(start).row_col(text)
    shown = bad.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return positioned(MALFORMED_QUERY, text, max(start - 1, 0), f"line {row}:{column - 1} unexpected token: '{shown}'")


def _string(text: str, start: int) -> tuple[Token, int]:
    """Read the literal opening at ``start``; returns its token and the index after the closing quote."""
    out: list[str] = []
    pattern: list[str] = []
    i = start + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            token = Token(Kind.STRING, text[start : i + 1], start, "".join(out), "".join(pattern))
            return token, i + 1
        if ch != "\\":
            run = _PLAIN_RUN.match(text, i)
            assert run is not None
            chunk = run.group()
            out.append(chunk)
            # re.escape leaves % and _ alone, so they can be turned into wildcards afterwards
            pattern.append(re.escape(chunk).replace("%", ".*").replace("_", "."))
            i = run.end()
            continue
        if i + 1 >= n:
            break
        esc = text[i + 1]
        if esc in _SIMPLE_ESCAPES:
            decoded, i = _SIMPLE_ESCAPES[esc], i + 2
        elif esc in _KEPT_ESCAPES:
            decoded, i = esc, i + 2
        elif esc == "u" and i + 6 <= n and all(c in _HEX for c in text[i + 2 : i + 6]):
            decoded, i = chr(int(text[i + 2 : i + 6], 16)), i + 6
        else:
            raise _lex_error(text, start, text[start : i + 2])
        out.append(decoded)
        pattern.append(re.escape(decoded))
    raise _lex_error(text, start, text[start:])


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, ending with an EOF token; raises :class:`SoqlError` on a lexical error."""
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            tokens.append(Token(Kind.EOF, "<EOF>", n))
            return tokens
        ch = text[i]
        if ch == "'":
            token, i = _string(text, i)
            tokens.append(token)
            continue
        if ch in "(),:":
            tokens.append(Token(Kind(ch), ch, i, ch))
            i += 1
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(Token(Kind.OP, op, i, op))
            i += len(op)
            continue
        for kind, pattern in ((Kind.DATETIME, _DATETIME_RE), (Kind.DATE, _DATE_RE), (Kind.NUMBER, _NUMBER_RE)):
            m = pattern.match(text, i)
            if m:
                tokens.append(Token(kind, m.group(), i, m.group()))
                i = m.end()
                break
        else:
            m = _IDENT_RE.match(text, i)
            if m is None:
                raise _lex_error(text, i, ch)
            tokens.append(Token(Kind.IDENT, m.group(), i, m.group()))
            i = m.end()
