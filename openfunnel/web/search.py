"""Global search: each app registers a provider that searches only what the actor may see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SearchHit:
    kind: Any          # translatable label: "Customer"
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: Any
    search: Callable[[Any, str, int], list[SearchHit]]   # (actor, query, limit) -> hits


PROVIDERS: list[SearchProvider] = []


def register_search(provider: SearchProvider) -> None:
    if all(p.key != provider.key for p in PROVIDERS):
        PROVIDERS.append(provider)


def search_all(*, actor: Any, query: str, limit: int = 10) -> list[tuple[SearchProvider, list[SearchHit]]]:
    """Runs every provider for `actor`; queries shorter than one character find nothing."""
    query = query.strip()[:100]
    if not query:
        return []
    return [(provider, provider.search(actor, query, limit)) for provider in PROVIDERS]
