"""Links to one record by id, without a full `reverse()` per row: a list page links each of its 25 rows."""

from __future__ import annotations

import threading
from typing import Any

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse

# An id no record has, reversed once: the URL is what comes before and after it.
_PLACEHOLDER = 918_273_645_546_372_819
_lock = threading.Lock()
_kept: dict[tuple[str, str], tuple[Any, tuple[str, str] | None]] = {}


def pk_url(name: str, pk: Any) -> str:
    """`reverse(name, args=[pk])` for a URL whose only argument is an integer id. The URL around the id is kept per
    URL name and script prefix, for as long as the URL configuration is the same (a test that swaps ROOT_URLCONF
    gets a new resolver)."""
    if type(pk) is not int or pk < 0:
        return reverse(name, args=[pk])
    resolver = get_resolver(get_urlconf())
    key = (name, get_script_prefix())
    kept = _kept.get(key)
    if kept is None or kept[0] is not resolver:
        try:
            head, found, tail = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
        except NoReverseMatch:
            found = ""
        parts = (head, tail) if found and str(_PLACEHOLDER) not in tail else None
        with _lock:
            _kept[key] = kept = (resolver, parts)
    if kept[1] is None:
        return reverse(name, args=[pk])
    head, tail = kept[1]
    return f"{head}{pk}{tail}"
