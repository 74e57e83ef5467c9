"""OData query options as Graph v1.0 accepts them on directory collections: ``$select``, ``$filter``, ``$top``,
``$count``, ``$orderby``, ``$search``, ``$expand``, ``$skiptoken``.

Which operator works on which property *by default* and which only as an *advanced query* (``ConsistencyLevel:
eventual`` plus ``$count=true``) follows Microsoft's table "Support for filter by properties of Microsoft Entra ID
objects" (``concepts/aad-advanced-queries.md`` and ``includes/filter-directory-objects.md``); the error bodies are
the ones that page shows (``Request_UnsupportedQuery`` "Operator 'endsWith' is not supported because the required
parameters might be missing…", "Unsupported or invalid query filter clause specified for property…", and
``Request_BadRequest`` "$count is not currently supported."). ``$count=true`` without the header is silently
ignored, as documented there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sfprov.emulators.entra.directory import USER_PROPERTIES, GraphError

ADVANCED_HINT = (
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)

D, A = "default", "advanced"

# property -> operator -> D (default) / A (advanced only); from includes/filter-directory-objects.md (users).
USER_FILTER: dict[str, dict[str, str]] = {
    "accountEnabled": {"eq": D, "ne": A, "not": A, "in": D},
    "businessPhones": {"eq": D, "not": A},
    "city": {"eq": D, "ne": A, "not": A, "ge": D, "in": D, "startsWith": D, "null": A},
    "companyName": {"eq": A, "ne": A, "not": A, "ge": A, "le": A, "in": A, "startsWith": A, "null": A},
    "country": {"eq": D, "ne": A, "not": A, "ge": D, "le": D, "in": D, "startsWith": D, "null": A},
    "createdDateTime": {"eq": D, "ne": A, "not": A, "ge": D, "le": D, "in": A},
    "creationType": {"eq": D, "ne": A, "not": A, "in": D},
    "department": {"eq": D, "ne": A, "not": A, "ge": D, "le": D, "in": D, "startsWith": D, "null": A},
    "displayName": {"eq": D, "ne": A, "not": A, "in": D, "startsWith": D, "null": A},
    "employeeId": {"eq": D, "ne": A, "le": A, "startsWith": D, "null": A},
    "employeeType": {"eq": A, "ne": A, "ge": A, "le": A, "in": A, "startsWith": A},
    "givenName": {"eq": D, "ne": A, "ge": D, "le": D, "in": D, "startsWith": D, "null": A},
    "id": {"eq": D, "ne": A, "not": A, "in": D},
    "jobTitle": {"eq": D, "ne": A, "ge": D, "le": D, "in": D, "null": A},
    "mail": {"eq": D, "ne": A, "ge": D, "le": D, "in": D, "startsWith": D, "endsWith": A},
    "mailNickname": {"eq": D, "ne": A, "ge": D, "le": D, "in": D, "startsWith": D, "null": A},
    "mobilePhone": {"eq": A, "ne": A, "ge": A, "le": A, "in": A, "startsWith": A, "null": A},
    "officeLocation": {"eq": A, "ne": A, "ge": A, "le": A, "in": A, "startsWith": A, "null": A},
    "onPremisesExtensionAttributes": {"eq": A, "ne": A, "ge": A, "le": A, "in": A},
    "onPremisesImmutableId": {"eq": A, "ne": A, "ge": A, "le": A, "in": A},
    "onPremisesSamAccountName": {"eq": A, "ne": A, "ge": A, "le": A, "in": A, "startsWith": A},
    "onPremisesSyncEnabled": {"eq": D, "ne": A, "ge": A, "le": A, "in": D},
    "otherMails": {"eq": D, "ne": A, "ge": D, "le": D, "in": D, "startsWith": D, "endsWith": A},
    "postalCode": {"eq": A, "ne": A, "ge": A, "le": A, "in": A, "startsWith": A, "null": A},
    "preferredLanguage": {"eq": A, "ne": A, "ge": A, "le": A, "in": A, "startsWith": A, "null": A},
    "proxyAddresses": {"eq": D, "ne": A, "ge": D, "le": D, "startsWith": D, "null": A, "endsWith": A},
    "state": {"eq": D, "ne": A, "ge": D, "le": D, "in": D, "startsWith": D, "null": A},
    "streetAddress": {"eq": A, "ne": A, "ge": A, "le": A, "in": A, "startsWith": A, "null": A},
    "surname": {"eq": D, "ne": A, "ge": D, "le": D, "in": D, "startsWith": D, "null": A},
    "usageLocation": {"eq": D, "ne": A, "ge": D, "le": D, "in": D, "startsWith": D},
    "userPrincipalName": {"eq": D, "ne": A, "le": D, "in": D, "startsWith": D, "endsWith": A},
    "userType": {"eq": D, "ne": A, "not": A, "in": D, "null": A},
}
GROUP_FILTER: dict[str, dict[str, str]] = {
    "displayName": {"eq": D, "ne": A, "not": A, "in": D, "startsWith": D, "null": A},
    "description": {"eq": D, "ne": A, "not": A, "in": D, "startsWith": D, "null": A},
    "groupTypes": {"eq": D, "ne": A, "not": A},
    "id": {"eq": D, "ne": A, "not": A, "in": D},
    "mail": {"eq": D, "ne": A, "in": D, "startsWith": D, "endsWith": A, "null": A},
    "mailEnabled": {"eq": D, "ne": A, "not": A},
    "mailNickname": {"eq": D, "ne": A, "in": D, "startsWith": D, "null": A},
    "securityEnabled": {"eq": D, "ne": A, "not": A, "in": D},
    "createdDateTime": {"eq": A, "ne": A, "in": A},
}
SERVICE_PRINCIPAL_FILTER: dict[str, dict[str, str]] = {
    "appId": {"eq": D, "ne": A, "not": A, "in": D},
    "displayName": {"eq": D, "ne": A, "not": A, "in": D, "startsWith": D},
    "id": {"eq": D, "ne": A, "not": A, "in": D},
    "servicePrincipalType": {"eq": D, "ne": A, "not": A, "in": D},
    "accountEnabled": {"eq": D, "ne": A, "not": A, "in": D},
}
APP_ROLE_ASSIGNMENT_FILTER: dict[str, dict[str, str]] = {
    "principalId": {"eq": D, "ne": A},
    "resourceId": {"eq": D, "ne": A},
    "appRoleId": {"eq": A, "ne": A},
    "principalType": {"eq": A, "ne": A},
}
# orderby: users displayName/userPrincipalName and groups displayName by default; others advanced (same page).
USER_ORDERBY = {"displayName": D, "userPrincipalName": D, "createdDateTime": A}
GROUP_ORDERBY = {"displayName": D}
SERVICE_PRINCIPAL_ORDERBY = {"displayName": A}


@dataclass(frozen=True)
class Resource:
    """What a collection supports: its type name, filterable/sortable properties, page sizes."""

    type_name: str  # "user" -> microsoft.graph.user
    resource_label: str  # "User" in Graph's messages
    properties: frozenset[str]
    filters: Mapping[str, Mapping[str, str]]
    orderby: Mapping[str, str]
    default_page: int = 100
    max_page: int = 999


@dataclass
class Query:
    select: list[str] | None = None
    filter: Any = None
    filter_text: str | None = None
    top: int | None = None
    count: bool = False
    orderby: tuple[str, bool] | None = None  # (property, descending)
    search: list[tuple[str, str]] | None = None
    expand: list[str] | None = None
    skiptoken: str | None = None
    advanced: bool = False


def bad_filter(detail: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Invalid filter clause: {detail}")


def unsupported_property(prop: str, resource: Resource) -> GraphError:
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property '{prop}' of resource "
        f"'{resource.resource_label}'.",
    )


def needs_advanced(operator: str) -> GraphError:
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Operator '{operator}' is not supported because the required parameters might be missing. {ADVANCED_HINT}",
    )


# ----------------------------------------------------------------------------------------------- tokenizer
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?(?![\w-]))"
    r"|(?P<dt>\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?)"
    r"|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(?P<name>[A-Za-z_$][\w$]*(?:/[A-Za-z_$][\w$]*)*)|(?P<punct>[(),:/]))"
)


def _tokenize(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise bad_filter(f"Syntax error at position {pos} in '{text}'.")
        kind = m.lastgroup or ""
        raw = m.group(kind)
        if kind == "str":
            tokens.append(("lit", raw[1:-1].replace("''", "'"), m.start(kind)))
        elif kind == "num":
            tokens.append(("lit", float(raw) if "." in raw else int(raw), m.start(kind)))
        elif kind in ("dt", "guid"):
            tokens.append(("lit", raw, m.start(kind)))
        elif kind == "name":
            low = raw.lower()
            if low in ("true", "false"):
                tokens.append(("lit", low == "true", m.start(kind)))
            elif low == "null":
                tokens.append(("lit", None, m.start(kind)))
            else:
                tokens.append(("name", raw, m.start(kind)))
        else:
            tokens.append(("punct", raw, m.start(kind)))
        pos = m.end()
    return tokens


_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")


class _Parser:
    """Recursive descent over: or / and / not / comparison / in / startsWith / endsWith / any()."""

    def __init__(self, text: str, resource: Resource) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.resource = resource
        self.operators: list[tuple[str, str]] = []  # (property, operator) for the support check

    def peek(self, offset: int = 0) -> tuple[str, Any, int] | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def error(self) -> GraphError:
        tok = self.peek()
        pos = tok[2] if tok else len(self.text)
        return bad_filter(f"Syntax error at position {pos} in '{self.text}'.")

    def take(self, kind: str, value: Any = None) -> Any:
        tok = self.peek()
        if tok is None or tok[0] != kind or (value is not None and str(tok[1]).lower() != value):
            raise self.error()
        self.i += 1
        return tok[1]

    def is_word(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "name" and tok[1].lower() == word

    def parse(self) -> Any:
        node = self.or_()
        if self.peek() is not None:
            raise self.error()
        return node

    def or_(self) -> Any:
        node = self.and_()
        while self.is_word("or"):
            self.i += 1
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Any:
        node = self.not_()
        while self.is_word("and"):
            self.i += 1
            node = ("and", node, self.not_())
        return node

    def not_(self) -> Any:
        if self.is_word("not"):
            self.i += 1
            inner = self.not_()
            for prop in _props_of(inner):
                self.operators.append((prop, "not"))
            return ("not", inner)
        return self.primary()

    def property(self) -> str:
        name: str = self.take("name")
        top = name.split("/")[0]
        if top not in self.resource.properties:
            raise bad_filter(
                f"Could not find a property named '{top}' on type 'microsoft.graph.{self.resource.type_name}'."
            )
        return name

    def primary(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise self.error()
        if tok[0] == "punct" and tok[1] == "(":
            self.i += 1
            node = self.or_()
            self.take("punct", ")")
            return node
        nxt = self.peek(1)
        if tok[0] == "name" and tok[1].lower() in ("startswith", "endswith") and nxt and nxt[1] == "(":
            func = "startsWith" if tok[1].lower() == "startswith" else "endsWith"
            self.i += 2
            prop = self.property()
            self.take("punct", ",")
            value = self.take("lit")
            self.take("punct", ")")
            if not isinstance(value, str):
                raise self.error()
            self.operators.append((prop, func))
            return (func, prop, value)
        if tok[0] == "name" and tok[1].lower().endswith(("/any", "/all")) and nxt and nxt[1] == "(":
            return self.lambda_()
        prop = self.property()
        op_tok = self.peek()
        if op_tok is None or op_tok[0] != "name":
            raise self.error()
        op = op_tok[1].lower()
        self.i += 1
        if op == "in":
            self.take("punct", "(")
            values = [self.take("lit")]
            while self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                self.i += 1
                values.append(self.take("lit"))
            self.take("punct", ")")
            self.operators.append((prop, "in"))
            return ("in", prop, values)
        if op not in _COMPARISONS:
            raise self.error()
        value = self.take("lit")
        self.operators.append((prop, "null" if value is None and op == "eq" else op))
        return (op, prop, value)

    def lambda_(self) -> Any:
        name: str = self.take("name")
        prop, func = name.rsplit("/", 1)
        if prop not in self.resource.properties:
            raise bad_filter(
                f"Could not find a property named '{prop}' on type 'microsoft.graph.{self.resource.type_name}'."
            )
        self.take("punct", "(")
        var = self.take("name")
        self.take("punct", ":")
        tok = self.peek()
        if tok and tok[0] == "name" and tok[1].lower() in ("startswith", "endswith"):
            func_name = "startsWith" if tok[1].lower() == "startswith" else "endsWith"
            self.i += 1
            self.take("punct", "(")
            if self.take("name") != var:
                raise self.error()
            self.take("punct", ",")
            value = self.take("lit")
            self.take("punct", ")")
            inner: tuple[str, Any] = (func_name, value)
        else:
            if self.take("name") != var:
                raise self.error()
            op = str(self.take("name")).lower()
            if op not in _COMPARISONS:
                raise self.error()
            inner = (op, self.take("lit"))
        self.take("punct", ")")
        self.operators.append((prop, inner[0]))
        return (func.lower(), prop, inner)


def _props_of(node: Any) -> list[str]:
    if node[0] in ("and", "or"):
        return _props_of(node[1]) + _props_of(node[2])
    if node[0] == "not":
        return _props_of(node[1])
    return [node[1]]


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _compare(op: str, actual: Any, expected: Any) -> bool:
    """Directory string comparisons are case-insensitive (userPrincipalName eq 'ADELE@…' matches)."""
    a, e = _fold(actual), _fold(expected)
    if op == "eq":
        return bool(a == e)
    if op == "ne":
        return bool(a != e)
    if a is None or e is None:
        return False
    try:
        return bool({"gt": a > e, "ge": a >= e, "lt": a < e, "le": a <= e}[op])
    except TypeError:
        return False


def _value(obj: Mapping[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def evaluate(node: Any, obj: Mapping[str, Any]) -> bool:
    kind = node[0]
    if kind == "and":
        return evaluate(node[1], obj) and evaluate(node[2], obj)
    if kind == "or":
        return evaluate(node[1], obj) or evaluate(node[2], obj)
    if kind == "not":
        return not evaluate(node[1], obj)
    if kind in ("any", "all"):
        items = _value(obj, node[1]) or []
        op, expected = node[2]
        tests = [_lambda_test(op, item, expected) for item in items]
        return any(tests) if kind == "any" else all(tests)
    actual = _value(obj, node[1])
    if kind == "startsWith":
        return isinstance(actual, str) and actual.casefold().startswith(node[2].casefold())
    if kind == "endsWith":
        return isinstance(actual, str) and actual.casefold().endswith(node[2].casefold())
    if kind == "in":
        return _fold(actual) in {_fold(v) for v in node[2]}
    if isinstance(actual, list):
        return any(_compare(kind, item, node[2]) for item in actual)
    return _compare(kind, actual, node[2])


def _lambda_test(op: str, item: Any, expected: Any) -> bool:
    if op == "startsWith":
        return isinstance(item, str) and item.casefold().startswith(str(expected).casefold())
    if op == "endsWith":
        return isinstance(item, str) and item.casefold().endswith(str(expected).casefold())
    return _compare(op, item, expected)


def parse_filter(text: str, resource: Resource, advanced: bool) -> Any:
    """Parse ``$filter`` and enforce the default/advanced support table."""
    parser = _Parser(text, resource)
    node = parser.parse()
    for prop, op in parser.operators:
        top = prop.split("/")[0]
        support = resource.filters.get(top, {})
        level = support.get(op) or (support.get("eq") if op in ("any", "all") else None)
        if op == "null":
            level = support.get("null") or support.get("eq")
        if level is None:
            raise unsupported_property(top, resource)
        if level == A and not advanced:
            raise needs_advanced("eq" if op == "null" else op)
    return node


def parse_search(text: str) -> list[tuple[str, str]]:
    """``$search="displayName:Jo" AND "mail:contoso"``: each clause quoted, property:token (search-query-parameter)."""
    clauses = re.findall(r'"([^"]*)"', text)
    rest = re.sub(r'"[^"]*"', "", text).replace("AND", "").replace("OR", "").strip()
    if not clauses or rest:
        raise GraphError(400, "Request_UnsupportedQuery", "Invalid $search query.")
    out = []
    for clause in clauses:
        if ":" not in clause:
            raise GraphError(400, "Request_UnsupportedQuery", "Invalid $search query.")
        prop, token = clause.split(":", 1)
        out.append((prop.strip(), token.strip()))
    return out


def search_matches(obj: Mapping[str, Any], clauses: list[tuple[str, str]]) -> bool:
    """Tokenized prefix match per clause (directory $search behaviour for displayName, mail, …)."""
    for prop, token in clauses:
        value = obj.get(prop)
        if not isinstance(value, str):
            return False
        words = re.split(r"[\s._@\-]+", value.casefold())
        needle = token.casefold()
        if not (value.casefold().startswith(needle) or any(w.startswith(needle) for w in words)):
            return False
    return True


def _option(params: Mapping[str, str], name: str) -> str | None:
    """Graph accepts ``$select`` and (v1.0) ``select``; the kiota SDK percent-encodes ``$`` (reference §2)."""
    for key in (f"${name}", name):
        if key in params:
            return params[key]
    lowered = {k.lower(): v for k, v in params.items()}
    return lowered.get(f"${name.lower()}")


def parse_query(
    params: Mapping[str, str],
    resource: Resource,
    *,
    consistency_eventual: bool,
    allow: frozenset[str] = frozenset({"select", "filter", "top", "count", "orderby", "search", "expand"}),
    select_known: Callable[[str], bool] | None = None,
) -> Query:
    """Validate and parse the options of one collection request."""
    q = Query()
    count = _option(params, "count")
    if count is not None:
        if count.lower() not in ("true", "false"):
            raise GraphError(400, "BadRequest", f"Invalid value '{count}' for $count query option found.")
        q.count = count.lower() == "true" and consistency_eventual
    q.advanced = consistency_eventual and count is not None and count.lower() == "true"
    if _option(params, "skip") is not None:
        raise GraphError(400, "Request_BadRequest", "'$skip' is not supported by the service.")
    select = _option(params, "select")
    if select is not None and "select" in allow:
        names = [s.strip() for s in select.split(",") if s.strip()]
        known = select_known or (lambda n: n in resource.properties)
        for name in names:
            if not known(name):
                raise GraphError(
                    400,
                    "BadRequest",
                    f"Parsing OData Select and Expand failed: Could not find a property named '{name}' on type "
                    f"'microsoft.graph.{resource.type_name}'.",
                )
        q.select = names
    top = _option(params, "top")
    if top is not None and "top" in allow:
        if not re.fullmatch(r"-?\d+", top.strip()):
            raise GraphError(400, "BadRequest", f"Invalid value '{top}' for $top query option found.")
        n = int(top)
        if n < 1 or n > resource.max_page:
            raise GraphError(
                400,
                "Request_BadRequest",
                f"Invalid page size specified: '{n}'. Must be between 1 and {resource.max_page} inclusive.",
            )
        q.top = n
    search = _option(params, "search")
    if search is not None and "search" in allow:
        if not consistency_eventual:
            raise GraphError(
                400,
                "Request_UnsupportedQuery",
                "Request with $search query parameter only works through MSGraph with a special request header: "
                "'ConsistencyLevel: eventual'",
            )
        q.search = parse_search(search)
    flt = _option(params, "filter")
    if flt is not None and "filter" in allow:
        q.filter_text = flt
        q.filter = parse_filter(flt, resource, q.advanced)
    orderby = _option(params, "orderby")
    if orderby is not None and "orderby" in allow:
        parts = orderby.strip().split()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
            raise GraphError(400, "BadRequest", f"Invalid $orderby clause: '{orderby}'.")
        level = resource.orderby.get(parts[0])
        if level is None or (level == A and not q.advanced) or (q.filter is not None and not q.advanced):
            raise GraphError(400, "Request_UnsupportedQuery", "Sorting not supported for current query.")
        q.orderby = (parts[0], len(parts) == 2 and parts[1].lower() == "desc")
    expand = _option(params, "expand")
    if expand is not None and "expand" in allow:
        q.expand = [e.strip() for e in expand.split(",") if e.strip()]
    q.skiptoken = _option(params, "skiptoken")
    return q


# ----------------------------------------------------------------------------------------------- rendering
GRAPH_CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#"
"""``@odata.context`` always names graph.microsoft.com, as Graph does; only next/delta links point at the
emulator's listener (clients follow those, never the context)."""

DEFAULT_USER_SELECT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
"""The properties Graph v1.0 returns for a user without ``$select`` (user-list.md; reference §3.1)."""

USER_SELECTABLE = (USER_PROPERTIES - {"passwordProfile"}) | {"manager"}
"""Every stored user property can be selected except the write-only ``passwordProfile``; ``manager`` is a
navigation property that ``$select`` also accepts."""

GROUP_DEFAULT_SELECT = (
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "description",
    "displayName",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesSyncEnabled",
    "proxyAddresses",
    "securityEnabled",
    "visibility",
)
SERVICE_PRINCIPAL_DEFAULT_SELECT = (
    "id",
    "deletedDateTime",
    "accountEnabled",
    "appDisplayName",
    "appId",
    "appOwnerOrganizationId",
    "appRoleAssignmentRequired",
    "appRoles",
    "displayName",
    "servicePrincipalType",
    "signInAudience",
    "tags",
)
APPLICATION_DEFAULT_SELECT = (
    "id",
    "deletedDateTime",
    "appId",
    "appRoles",
    "createdDateTime",
    "displayName",
    "identifierUris",
    "signInAudience",
)
APP_ROLE_ASSIGNMENT_SELECT = (
    "id",
    "deletedDateTime",
    "appRoleId",
    "createdDateTime",
    "principalDisplayName",
    "principalId",
    "principalType",
    "resourceDisplayName",
    "resourceId",
)

USERS = Resource("user", "User", USER_SELECTABLE, USER_FILTER, USER_ORDERBY, default_page=100, max_page=999)
GROUPS = Resource(
    "group", "Group", frozenset(GROUP_DEFAULT_SELECT) | {"members"}, GROUP_FILTER, GROUP_ORDERBY, 100, 999
)
SERVICE_PRINCIPALS = Resource(
    "servicePrincipal",
    "ServicePrincipal",
    frozenset(SERVICE_PRINCIPAL_DEFAULT_SELECT),
    SERVICE_PRINCIPAL_FILTER,
    SERVICE_PRINCIPAL_ORDERBY,
    100,
    999,
)
APPLICATIONS = Resource(
    "application",
    "Application",
    frozenset(APPLICATION_DEFAULT_SELECT),
    {"appId": {"eq": D}, "id": {"eq": D}, "displayName": {"eq": D, "startsWith": D}},
    {"displayName": A},
    100,
    999,
)
APP_ROLE_ASSIGNMENTS = Resource(
    "appRoleAssignment",
    "AppRoleAssignment",
    frozenset(APP_ROLE_ASSIGNMENT_SELECT),
    APP_ROLE_ASSIGNMENT_FILTER,
    {},
    100,
    999,
)
DIRECTORY_OBJECTS = Resource(
    "directoryObject", "DirectoryObject", USER_SELECTABLE | frozenset(GROUP_DEFAULT_SELECT), {}, {}, 100, 999
)

_COLLECTIONS = frozenset(
    {"businessPhones", "otherMails", "proxyAddresses", "groupTypes", "tags", "appRoles", "identifierUris"}
)


def property_value(obj: Mapping[str, Any], name: str) -> Any:
    """A property as Graph renders it: unset collections as ``[]``, the extension-attribute bag with 15 keys."""
    if name == "onPremisesExtensionAttributes":
        bag = obj.get(name) or {}
        return {f"extensionAttribute{i}": bag.get(f"extensionAttribute{i}") for i in range(1, 16)}
    value = obj.get(name)
    if value is None and name in _COLLECTIONS:
        return []
    return value


def shape(obj: Mapping[str, Any], select: Iterable[str]) -> dict[str, Any]:
    """The JSON of one object with exactly the selected properties (navigation ``manager`` excluded)."""
    return {name: property_value(obj, name) for name in select if name != "manager"}


def context_suffix(select: list[str] | None) -> str:
    """``users(displayName,mail)``-style context when ``$select`` was given (reference §4.1 example)."""
    return f"({','.join(select)})" if select else ""
