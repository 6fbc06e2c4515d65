"""The pool page at scale: newest in the pool first, counted only up to the lists' cap, read off the partial
index the pool app adds (customer_pool_queue)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from openfunnel.core.pagination import CappedPaginator
from openfunnel.pool.testing import pool_customer


def _names(html: str, names: list[str]) -> list[str]:
    return sorted((n for n in names if n in html), key=html.index)


def test_newest_in_the_pool_first_and_only_unowned_live_customers(personas, web_as, pool):
    now = timezone.now()
    for i in range(4):
        pool_customer(pool, f"Queue {i}", pool_entered_at=now - dt.timedelta(days=10 - i))
    pool_customer(pool, "Queue owned", owner=personas.bob)
    pool_customer(pool, "Queue deleted", deleted_at=now)
    html = web_as(personas.alice).get(f"/pool/{pool.pk}/").content.decode()
    assert _names(html, [f"Queue {i}" for i in range(4)]) == ["Queue 3", "Queue 2", "Queue 1", "Queue 0"]
    assert "Queue owned" not in html and "Queue deleted" not in html
    searched = web_as(personas.alice).get(f"/pool/{pool.pk}/", {"q": "queue 2"}).content.decode()
    assert "Queue 2" in searched and "Queue 1" not in searched


def test_a_big_pool_is_counted_up_to_the_cap(personas, web_as, pool, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "count_cap", 30)
    now = timezone.now()
    for i in range(60):
        pool_customer(pool, f"Big {i:02d}", pool_entered_at=now - dt.timedelta(minutes=i))
    browser = web_as(personas.alice)
    first = browser.get(f"/pool/{pool.pk}/").content.decode()
    assert "more than 30 records" in first and "page 1" in first
    assert "Big 00" in first and "Big 24" in first and "Big 25" not in first
    assert "?page=2" in first
    third = browser.get(f"/pool/{pool.pk}/", {"page": 3}).content.decode()
    # past the cap the page still pages on, and knows from its own rows that it is the last
    assert "Big 50" in third and "Big 59" in third and "Big 49" not in third and "?page=4" not in third
    for page in ("9", "abc", "0", "99999999999999999999"):
        assert browser.get(f"/pool/{pool.pk}/", {"page": page}).status_code == 200


def test_a_small_pool_shows_page_n_of_m(personas, web_as, pool):
    for i in range(30):
        pool_customer(pool, f"Small {i:02d}")
    html = web_as(personas.alice).get(f"/pool/{pool.pk}/", {"page": 2}).content.decode()
    assert "page 2 of 2" in html and "more than" not in html


def test_the_pool_page_index_exists(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "customers_customer")
    assert "customer_pool_queue" in constraints
    assert constraints["customer_pool_queue"]["columns"][:1] == ["pool_id"]
