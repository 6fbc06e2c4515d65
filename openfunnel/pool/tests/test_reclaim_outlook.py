"""The list's "reclaim in" outlook read by SQL compiled once per set of exempting pools (pool.rules.reclaim_outlook
with the signed-in user): the same answers as the plain query, and a pool's new exempt stage seen at once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openfunnel.accounts.authentication import _signed_in_user
from openfunnel.customers.models import Customer
from openfunnel.pool.rules import reclaim_outlook
from openfunnel.pool.testing import make_pool
from openfunnel.sales.models import Opportunity, Pipeline


def _facts(outlook):
    return {pk: (due.at, due.label) for pk, due in outlook.items()}


def test_the_compiled_outlook_is_the_plain_ones(personas):
    now = timezone.now()
    pipeline = Pipeline.objects.order_by("pk").first()
    stages = list(pipeline.stages.order_by("order"))
    won = pipeline.stages.filter(kind="won").first()
    plain_pool = make_pool(personas, name="Plain", reclaim_no_follow_up_days=10, reclaim_no_deal_days=60)
    exempting = make_pool(personas, name="Exempting", reclaim_no_follow_up_days=20, reclaim_no_deal_days=90)
    rows = []
    for n in range(8):
        pool = (plain_pool, exempting)[n % 2]
        rows.append(Customer.objects.create(name=f"Outlook {n}", name_key=f"outlook {n}", owner=personas.alice,
                                            pool=pool, owner_since=now - dt.timedelta(days=n + 1)))
    Opportunity.objects.create(name="Far along", customer=rows[1], owner=personas.alice, pipeline=pipeline,
                               stage=stages[2])
    Opportunity.objects.create(name="Won", customer=rows[2], owner=personas.alice, pipeline=pipeline, stage=won,
                               status="won", won_at=now - dt.timedelta(days=1))
    user = _signed_in_user.first(personas.alice.pk)
    assert user.reference_token
    page = list(Customer.objects.filter(pk__in=[c.pk for c in rows]).order_by("pk"))

    def both():
        # the signed-in user as a request carries it: the reference token read anew
        signed_in = _signed_in_user.first(personas.alice.pk)
        return _facts(reclaim_outlook(page, now, user=signed_in)), _facts(reclaim_outlook(page, now))

    compiled, plain = both()
    assert compiled == plain and rows[1].pk in compiled and len(compiled) == len(rows)
    # an exempt stage set on the pool (reference data: a new token) is seen by the next request's compiled query
    exempting.exempt_stage = stages[2]
    exempting.save()
    compiled, plain = both()
    assert compiled == plain and rows[1].pk not in compiled and rows[3].pk in compiled
    assert compiled != {} and reclaim_outlook(page[:1], now, user=user).keys() <= compiled.keys()
