"""CompiledPrefetch: a page of customers left as prefetch_related leaves it, wherever the page is read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from openfunnel.core.compiled import CompiledQuery
from openfunnel.customers import selectors
from openfunnel.customers.models import Customer, CustomerShare, Tag
from openfunnel.customers.services import customer_create, customer_share


@pytest.fixture
def page(personas):
    tags = [Tag.objects.create(name=name) for name in ("Key", "Alpha", "VIP")]
    rows = []
    for n in range(12):
        rows.append(customer_create(actor=personas.alice, name=f"Prefetched {n:02d}",
                                    tags=[tag for k, tag in enumerate(tags) if (n + k) % 3 == 0]))
    for customer in [*rows[::4], rows[-1]]:
        customer_share(actor=personas.alice, customer=customer, user=personas.bob)
        customer_share(actor=personas.alice, customer=customer, user=personas.manager)
    return rows


def _shown(customers):
    return [(c.pk, [t.name for t in c.tags.all()], [(s.pk, s.user.username, s.customer is c) for s in c.shares.all()])
            for c in customers]


@pytest.mark.parametrize("size", [1, 5, 12])
def test_a_page_is_what_prefetch_related_leaves(personas, page, size):
    plain = (Customer.objects.filter(name__startswith="Prefetched").order_by("-id")
             .prefetch_related("tags", Prefetch("shares", queryset=CustomerShare.objects.select_related("user")
                                                .order_by("id"))))[:size]
    compiled = selectors.customer_list(actor=personas.alice).filter(name__startswith="Prefetched").order_by("-id")
    with CaptureQueriesContext(connection) as captured:
        shown = _shown(compiled[:size])
    assert shown == _shown(plain)
    assert any(tags for _pk, tags, _shares in shown) and any(shares for *_rest, shares in shown)
    assert all(is_back for *_r, shares in shown for *_s, is_back in shares)
    assert len(captured.captured_queries) <= 1 + 2 + 3   # the page (scope reads aside) and one query per prefetch


def test_a_detail_and_an_empty_page(personas, page):
    customer = selectors.customer_detail(actor=personas.alice, id=page[0].pk)
    assert _shown([customer]) == _shown(Customer.objects.filter(pk=page[0].pk).prefetch_related("tags", "shares"))
    with CaptureQueriesContext(connection) as captured:
        assert list(selectors.customer_list(actor=personas.alice).filter(name="nobody")) == []
    assert not any("customers_tag" in q["sql"] for q in captured.captured_queries)


def test_a_list_bound_whole_as_an_array(personas, page):
    """in_array binds the ids as one array on PostgreSQL (one statement whatever the number) and as an IN list
    elsewhere; both answer what the ORM does."""
    compiled = CompiledQuery(lambda ids: Customer.objects.filter(pk__in_array=ids).order_by("id"))
    for ids in ([page[0].pk], [page[1].pk, page[3].pk], [p.pk for p in page[::2]], [987654]):
        assert [c.pk for c in compiled.all(ids)] == list(
            Customer.objects.filter(pk__in=ids).order_by("id").values_list("pk", flat=True))
    assert compiled.all([]) == []
