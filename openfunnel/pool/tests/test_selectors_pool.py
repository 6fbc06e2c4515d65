"""pool_get answers a signed-in user (who carries the reference token) from the process's copy of the pools:
every change of a pool or of its members is seen at the next request, as a query would see it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openfunnel.accounts.authentication import ScopedModelBackend
from openfunnel.core.errors import NotFound
from openfunnel.pool.selectors import pool_get
from openfunnel.pool.services import pool_update
from openfunnel.pool.testing import make_pool


def signed_in(user):
    """The user as a request sees it (with the reference token)."""
    return ScopedModelBackend().get_user(user.pk)


def test_members_and_admins_get_the_pool_without_a_query(personas, pool):
    alice = signed_in(personas.alice)
    pool_get(actor=alice, id=pool.pk)
    with CaptureQueriesContext(connection) as captured:
        found = pool_get(actor=alice, id=pool.pk, related=False)
        assert pool_get(actor=signed_in(personas.admin), id=pool.pk).pk == pool.pk   # config.manage: every pool
    assert len(captured.captured_queries) == 1   # signing the admin in
    assert (found.pk, found.name, found.daily_claim_limit, found.visible_to) == (pool.pk, "East pool", 3, alice.pk)
    with pytest.raises(NotFound):
        pool_get(actor=signed_in(personas.carol), id=pool.pk)   # North is not a member
    with pytest.raises(NotFound):
        pool_get(actor=alice, id=987654)


def test_a_member_user_and_a_sub_department_count(personas):
    by_user = make_pool(personas, name="Carol's pool", departments=[], users=[personas.carol])
    assert pool_get(actor=signed_in(personas.carol), id=by_user.pk).pk == by_user.pk
    by_parent = make_pool(personas, name="HQ pool", departments=[personas.hq])
    assert pool_get(actor=signed_in(personas.alice), id=by_parent.pk).pk == by_parent.pk   # East Team 1 ⊂ HQ
    with pytest.raises(NotFound):
        pool_get(actor=signed_in(personas.alice), id=by_user.pk)


def test_changes_are_seen_at_the_next_request(personas, pool):
    assert pool_get(actor=signed_in(personas.alice), id=pool.pk).daily_claim_limit == 3
    pool_update(actor=personas.admin, pool=pool, values={"daily_claim_limit": 9})
    assert pool_get(actor=signed_in(personas.alice), id=pool.pk).daily_claim_limit == 9
    pool_update(actor=personas.admin, pool=pool, values={}, member_departments=[personas.north])
    with pytest.raises(NotFound):
        pool_get(actor=signed_in(personas.alice), id=pool.pk)
    assert pool_get(actor=signed_in(personas.carol), id=pool.pk).pk == pool.pk
    pool.delete()
    with pytest.raises(NotFound):
        pool_get(actor=signed_in(personas.carol), id=pool.pk)


def test_each_caller_gets_a_pool_of_its_own(personas, pool):
    alice = signed_in(personas.alice)
    first = pool_get(actor=alice, id=pool.pk)
    first.name = "Changed in memory"
    assert pool_get(actor=alice, id=pool.pk).name == "East pool"
