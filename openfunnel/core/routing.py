"""URL includes that the resolver skips at once for a path none of their patterns can match.

Django resolves a path by trying every pattern in order, descending into each include: the web apps are all
included at "", so a pool URL (the last app) was tried against every pattern of the nine apps before it and cost
~0.2 ms of Python per request (the API's claim ~0.16 ms), the failed includes' `tried` lists built along the way.
`prefixed_include` puts, in front of an include, a pattern that matches (consuming nothing) only a path beginning
with the literal start of one of its patterns: the others are passed over with one regular expression search.
Which pattern a path resolves to is unchanged (a pattern whose literal start the path lacks could not match it),
and so are reversing and the routes shown (the lookahead reads as "": str() of the pattern).
"""

from __future__ import annotations

import re
from re import _constants, _parser  # type: ignore[attr-defined]  # the parser re compiles with (3.11+)
from typing import Any

from django.urls import URLPattern, URLResolver, include
from django.urls.resolvers import RegexPattern, RoutePattern


def _literal_start(pattern: Any) -> str | None:
    """The text every path the pattern matches begins with ('' for the empty path alone, when that is all it
    matches); None when it is not known (a converter or a group first, a regex not anchored at the start)."""
    inner = pattern.pattern
    if isinstance(inner, RoutePattern):
        route = str(inner._route)
        start = route.split("<", 1)[0]
        if not start and (route or not inner._is_endpoint):
            return None   # a converter first, or an include at "" (matches any path)
        return start if start else ""
    if isinstance(inner, RegexPattern):
        # parsed: "^pools/(?P<pk>[^/.]+)/$" is AT_BEGINNING, the literal characters of "pools/", a group, …; a
        # pattern not anchored (searched anywhere) or with alternatives at its top does not start with AT_BEGINNING
        parsed = _parser.parse(inner._regex)
        items = list(parsed)
        if parsed.state.flags & re.IGNORECASE or not items or items[0] != (_constants.AT, _constants.AT_BEGINNING):
            return None
        start = []
        for op, value in items[1:]:
            if op is not _constants.LITERAL:
                break
            start.append(chr(value))
        return "".join(start) or None
    return None


def _alternatives(patterns: list[Any]) -> list[str] | None:
    """The lookahead's alternatives: each literal start, less those that begin with a shorter one."""
    starts = []
    for pattern in patterns:
        start = _literal_start(pattern)
        if start is None:
            return None
        starts.append(start)
    kept = [s for s in set(starts) if s == "" or not any(o and o != s and s.startswith(o) for o in starts)]
    return sorted(re.escape(start) if start else "$" for start in kept) or None


def prefixed_include(patterns: list[URLPattern | URLResolver], app_name: str | None = None,
                     namespace: str | None = None) -> URLResolver:
    """`path("", include((patterns, app_name), namespace=namespace))`, passed over by the resolver for a path
    that begins with none of the patterns' literal starts (the same include when some pattern has none)."""
    urlconf, app, space = include((patterns, app_name) if app_name else patterns, namespace=namespace)
    alternatives = _alternatives(patterns)
    if alternatives is None:
        return URLResolver(RoutePattern("", is_endpoint=False), urlconf, None, app_name=app, namespace=space)
    return URLResolver(_Lookahead(f"^(?={'|'.join(alternatives)})"), urlconf, None, app_name=app, namespace=space)


class _Lookahead(RegexPattern):
    """Matches the empty start of a path the lookahead admits; shown and reversed as nothing (regex_helper
    drops lookahead groups when reversing)."""

    def __init__(self, regex: str) -> None:
        super().__init__(regex, is_endpoint=False)

    def __str__(self) -> str:
        return ""

    def check(self) -> list[Any]:
        return []
