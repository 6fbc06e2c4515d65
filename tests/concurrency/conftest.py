"""Concurrency tests: real parallel requests, each thread on its own database connection.

They need PostgreSQL (row locks, advisory locks, real parallel transactions); on SQLite they skip
with that reason. CI runs the suite a second time with DATABASE_URL pointing at PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections


@pytest.fixture
def parallel(transactional_db: Any) -> Callable[..., list[Any]]:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")

    def run(calls: list[Callable[[], Any]]) -> list[Any]:
        """Runs the calls at the same moment in separate threads; returns results (or exceptions) in order."""
        barrier = threading.Barrier(len(calls))
        results: list[Any] = [None] * len(calls)

        def worker(index: int, call: Callable[[], Any]) -> None:
            try:
                barrier.wait(timeout=30)
                results[index] = call()
            except Exception as error:  # the test inspects what each request ended with
                results[index] = error
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results

    return run
