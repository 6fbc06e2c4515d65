"""Test helpers for pages that load panels through htmx after the first answer."""

from __future__ import annotations

import re
from typing import Any

_DEFERRED = re.compile(r'<div hx-get="([^"]+)" hx-trigger="load" hx-swap="outerHTML" data-deferred-panel="[^"]*"></div>')


def get_with_panels(client: Any, url: str, **extra: Any) -> Any:
    """GET `url` as a browser would show it: every deferred panel (hx-trigger="load") is fetched with HX-Request
    and put in its place. The response's content is the assembled page; its status is the page's."""
    response = client.get(url, **extra)
    if response.status_code != 200:
        return response
    html = response.content.decode()

    def fetch(match: re.Match) -> str:
        panel = client.get(match.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true", **extra)
        assert panel.status_code == 200, (match.group(1), panel.status_code)
        return panel.content.decode()

    response.content = _DEFERRED.sub(fetch, html).encode()
    return response
