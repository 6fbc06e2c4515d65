"""The Redis cache backend, keeping one client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call; building one costs redis-py ~0.3 ms
of Python (its response callbacks are copied into each new client), and every request of a signed-in user makes
at least one call (the session, with `cached_db`). A Redis client holds no state of its own besides its pool and
is safe to share between threads, so one per pool does the same work.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
