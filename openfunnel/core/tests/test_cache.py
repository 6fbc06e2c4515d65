"""The Redis cache backend keeps one client per connection pool (no server needed: a client connects lazily)."""

from __future__ import annotations

from openfunnel.core.cache import KeptClientRedisCache


def test_one_client_per_pool():
    cache = KeptClientRedisCache("redis://127.0.0.1:6379/15", {})._cache
    first = cache.get_client("a")
    assert cache.get_client("b") is first and cache.get_client("c", write=True) is first
    assert first.connection_pool is cache._get_connection_pool(False)
