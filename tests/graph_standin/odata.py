"""OData's query options, enough for mail: $filter (parsed into a predicate over Graph JSON),
$orderby, $top and $skip with @odata.nextLink, $select and $expand."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from .conventions import JSON
from .model import Message
from .responses import GraphError

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<lp>\()|(?P<rp>\))|(?P<comma>,)|(?P<word>[^\s(),']+))"
)
_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}


def _tokens(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise GraphError(400, "BadRequest", f"Invalid filter clause: {text!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _parse_value(kind: str, raw: str) -> Any:
    if kind == "str":
        return raw[1:-1].replace("''", "'")
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise GraphError(400, "BadRequest", f"Invalid filter value: {raw!r}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


Predicate = Callable[[JSON], bool]


class FilterParser:
    """Graph's $filter, enough for mail: comparisons, and/or/not, parentheses,
    startswith/contains, on properties and paths like from/emailAddress/address."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.fields: list[str] = []  # properties in the order they appear

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.pos != len(self.tokens):
            raise GraphError(400, "BadRequest", "Invalid filter clause: unexpected text.")
        return predicate

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise GraphError(400, "BadRequest", "Invalid filter clause: unexpected end.")
        self.pos += 1
        return token

    def _or(self) -> Predicate:
        left = self._and()
        while (tok := self._peek()) and tok[1].lower() == "or":
            self.pos += 1
            right = self._and()
            left = (lambda a, b: lambda m: a(m) or b(m))(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._unary()
        while (tok := self._peek()) and tok[1].lower() == "and":
            self.pos += 1
            right = self._unary()
            left = (lambda a, b: lambda m: a(m) and b(m))(left, right)
        return left

    def _unary(self) -> Predicate:
        tok = self._take()
        if tok[1].lower() == "not":
            inner = self._unary()
            return lambda m: not inner(m)
        if tok[0] == "lp":
            inner = self._or()
            if self._take()[0] != "rp":
                raise GraphError(400, "BadRequest", "Invalid filter clause: missing ')'.")
            return inner
        if tok[0] != "word":
            raise GraphError(400, "BadRequest", f"Invalid filter clause near {tok[1]!r}.")
        nxt = self._peek()
        if nxt and nxt[0] == "lp":  # function call: startswith(prop, 'x')
            return self._function(tok[1])
        return self._comparison(tok[1])

    def _function(self, function: str) -> Predicate:
        """Parse the arguments of startswith/endswith/contains(prop, 'x'), from the '('."""
        self.pos += 1
        prop = self._take()[1]
        if self._take()[0] != "comma":
            raise GraphError(400, "BadRequest", "Invalid filter clause: expected ','.")
        kind, raw = self._take()
        if self._take()[0] != "rp":
            raise GraphError(400, "BadRequest", "Invalid filter clause: missing ')'.")
        needle = str(_parse_value(kind, raw)).lower()
        self.fields.append(prop)
        name = function.lower()
        if name == "startswith":
            return lambda m: str(lookup(m, prop) or "").lower().startswith(needle)
        if name == "endswith":
            return lambda m: str(lookup(m, prop) or "").lower().endswith(needle)
        if name == "contains":
            return lambda m: needle in str(lookup(m, prop) or "").lower()
        raise GraphError(400, "BadRequest", f"Unsupported filter function {function!r}.")

    def _comparison(self, prop: str) -> Predicate:
        """Parse the operator and value of `prop eq 'x'` (eq, ne, gt, ge, lt, le)."""
        op = self._take()[1].lower()
        if op not in _OPS:
            raise GraphError(400, "BadRequest", f"Invalid filter operator {op!r}.")
        kind, raw = self._take()
        value = _parse_value(kind, raw)
        self.fields.append(prop)
        return _compare(prop, op, value)


def _compare(prop: str, op: str, value: Any) -> Predicate:
    """Compare a message's `prop` with `value`: dates as dates, strings case-insensitively."""

    def compare(message: JSON) -> bool:
        actual = lookup(message, prop)
        expected = value
        if isinstance(expected, dt.datetime):
            if not isinstance(actual, str):
                return False
            actual = dt.datetime.fromisoformat(actual.replace("Z", "+00:00"))
        elif isinstance(expected, str) and isinstance(actual, str):
            actual, expected = actual.lower(), expected.lower()
        if op == "eq":
            return bool(actual == expected)
        if op == "ne":
            return bool(actual != expected)
        if actual is None or expected is None:
            return False
        return bool(
            {
                "gt": actual > expected,
                "ge": actual >= expected,
                "lt": actual < expected,
                "le": actual <= expected,
            }[op]
        )

    return compare


def lookup(data: Any, path: str) -> Any:
    """The value at a property path like from/emailAddress/address (case-insensitive), or None."""
    for part in path.split("/"):
        if not isinstance(data, dict):
            return None
        key = next((k for k in data if k.lower() == part.lower()), None)
        data = data.get(key) if key else None
    return data


def selected(query: dict[str, str]) -> list[str] | None:
    """The properties $select names, or None for all of them."""
    return [s.strip() for s in query.get("$select", "").split(",") if s.strip()] or None


def expands_attachments(query: dict[str, str]) -> bool:
    """Whether $expand asks for the attachments."""
    return "attachments" in query.get("$expand", "").lower()


def order_by(
    pairs: list[tuple[Message, JSON]], query: dict[str, str], filter_fields: list[str]
) -> None:
    """Sort (message, its JSON) pairs by $orderby, newest first by default, ties in the order
    stored; as Graph does, refuse an $orderby whose properties do not open the $filter."""
    order = query.get("$orderby", "receivedDateTime desc")
    keys = [o.strip().split() for o in order.split(",") if o.strip()]
    if query.get("$filter") and query.get("$orderby"):
        wanted = [k[0].lower() for k in keys]
        present = [f.lower() for f in filter_fields[: len(wanted)]]
        if wanted != present:
            raise GraphError(
                400,
                "InefficientFilter",
                "The restriction or sort order is too complex for this operation.",
            )
    for key in reversed(keys):
        prop, direction = key[0], (key[1].lower() if len(key) > 1 else "asc")
        pairs.sort(
            key=lambda pair, p=prop: (str(lookup(pair[1], p) or ""), pair[0].seq),
            reverse=direction == "desc",
        )


def page(
    items: list[JSON],
    query: dict[str, str],
    *,
    context: str,
    link: str,
    page_size: int | None,
    default_top: int,
) -> JSON:
    """The page of `items` that $top and $skip ask for (no larger than `page_size`), with an
    @odata.nextLink (`link` and the same query, $skip moved on) while more remain."""
    try:
        top = int(query.get("$top", default_top))
        skip = int(query.get("$skip", 0))
    except ValueError as error:
        raise GraphError(400, "BadRequest", "Invalid $top or $skip.") from error
    top = max(1, min(top, 1000))
    size = min(top, page_size) if page_size else top
    data: JSON = {"@odata.context": context, "value": items[skip : skip + size]}
    if skip + size < len(items):
        params = dict(query)
        params["$skip"] = str(skip + size)
        data["@odata.nextLink"] = f"{link}?{urlencode(params)}"
    return data
