"""The "reclaim in" column of the lead list: days left and the rule of the governing lead pool, batched."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openfunnel.leads.models import Lead
from openfunnel.leads.services import lead_create
from openfunnel.pool.services import lead_claim
from openfunnel.pool.testing import make_pool


def _claimed(personas, pool, company, *, ago):
    lead = lead_create(actor=personas.manager, company=company, owner=None)
    return lead_claim(actor=personas.alice, pool=pool, lead_id=lead.pk, now=timezone.now() - dt.timedelta(days=ago))


def test_lead_list_shows_days_before_reclaim_and_the_rule(personas, web_as):
    pool = make_pool(personas, name="Lead pool", kind="lead", reclaim_no_follow_up_days=10)
    default = make_pool(personas, name="Default leads", kind="lead", is_default=True, reclaim_after_claim_days=20)
    ticking = _claimed(personas, pool, "Ticking Lead Co", ago=3)
    soon = _claimed(personas, pool, "Soon Lead Co", ago=8)
    own = lead_create(actor=personas.alice, company="Own Lead Co", owner=personas.alice)
    converted = _claimed(personas, pool, "Converted Lead Co", ago=3)
    Lead.objects.filter(pk=converted.pk).update(status=Lead.Status.CONVERTED)
    page = web_as(personas.alice).get("/leads/").content.decode()
    assert "Reclaim in" in page and ticking.company in page and own.company in page
    row_of = {name: next(r for r in page.split("<tr") if name in r) for name in
              (ticking.company, soon.company, own.company, converted.company)}
    assert "7 days" in row_of[ticking.company] and "badge-amber" not in row_of[ticking.company]
    assert '<span class="badge badge-amber">2 days</span>' in row_of[soon.company]
    assert "no follow-up within 10 days since the last one" in row_of[ticking.company]
    # A lead that never came from a pool: the default lead pool's rule.
    assert "20 days" in row_of[own.company] and "after claim or assignment" in row_of[own.company]
    assert 'data-testid="reclaim-rule"' not in row_of[converted.company]
    assert default.is_default


def test_lead_list_reclaim_column_costs_the_same_queries_for_more_rows(personas, web_as):
    pool = make_pool(personas, name="Lead pool", kind="lead", reclaim_no_follow_up_days=10)
    make_pool(personas, name="Default leads", kind="lead", is_default=True, reclaim_after_claim_days=20)
    _claimed(personas, pool, "Lead Co 0", ago=1)
    alice = web_as(personas.alice)
    alice.get("/leads/")  # the session's column choice and the kept pools
    with CaptureQueriesContext(connection) as few:
        first = alice.get("/leads/").content.decode()
    for i in range(1, 6):
        _claimed(personas, pool, f"Lead Co {i}", ago=i)
    lead_create(actor=personas.alice, company="Own Lead Co", owner=personas.alice)
    with CaptureQueriesContext(connection) as many:
        second = alice.get("/leads/").content.decode()
    assert first.count('data-testid="reclaim-rule"') == 1 and second.count('data-testid="reclaim-rule"') == 7
    assert len(many.captured_queries) == len(few.captured_queries)
