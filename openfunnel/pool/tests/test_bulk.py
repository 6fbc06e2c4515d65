"""The bulk rows of pool.services.bulk are the rows the pool services and jobs write for the same stories,
a customer's and a lead's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone, translation

from openfunnel.automation.models import Notification
from openfunnel.core.bulk import RowWriter
from openfunnel.customers.services import customer_create
from openfunnel.leads.services import lead_create
from openfunnel.pool import jobs
from openfunnel.pool.lead_rules import lead_rules
from openfunnel.pool.rules import due_for, rules_for
from openfunnel.pool.services import (
    customer_claim,
    customer_release,
    customers_assign,
    lead_claim,
    lead_release,
    leads_assign,
)
from openfunnel.pool.services.bulk import Person, PoolBatch, PoolRows, Record
from openfunnel.pool.testing import make_pool, pool_customer, pool_rows_written

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))


def days(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def test_bulk_rows_are_the_rows_of_the_pool_services_and_jobs(personas: Any) -> None:
    p = personas
    pool = make_pool(p, reclaim_after_claim_days=3, reclaim_no_follow_up_days=10, warn_days_before=2, cooldown_days=7)
    mine = customer_create(actor=p.alice, name="宁波海天塑机有限公司")
    lying = pool_customer(pool, "苏州精密模具有限公司")
    customers = [mine, lying]

    with transaction.atomic():
        customer_release(actor=p.alice, customer=mine, pool=pool, reason="客户暂无采购计划", now=days(1))
        customer_claim(actor=p.bob, pool=pool, customer_id=mine.pk, now=days(3))
        assert jobs.warnings_run(days(4)) == {"warned": 1}
        assert jobs.reclaim_run(days(6)) == {"reclaimed": 1, "skipped": 0}
        with translation.override("zh-hans"):
            customers_assign(actor=p.manager, pool=pool, customer_ids=[mine.pk, lying.pk], owner=p.alice, now=days(8))
        by_services = pool_rows_written(customers)
        transaction.set_rollback(True)

    alice, bob, mike = (Person(u.pk, u.display_name) for u in (p.alice, p.bob, p.manager))
    record, other = Record(mine.pk, mine.name), Record(lying.pk, lying.name)
    due = due_for(owner_since=days(3), last_follow_up_at=None, won_at=None, rules=rules_for(pool, None))
    rows, batch = PoolRows(), PoolBatch()
    rows.release(batch, pool=pool, customer=record, owner=alice, actor=alice, reason="客户暂无采购计划", at=days(1))
    rows.claim(batch, pool=pool, customer=record, user=bob, at=days(3))
    rows.warn(batch, customer=record, owner=bob, due=due, at=days(4))
    rows.reclaim(batch, pool=pool, customer=record, owner=bob, due=due, at=days(6))
    rows.assign(batch, pool=pool, customers=[record, other], receiver=alice, actor=mike, at=days(8))
    batch.write(RowWriter())
    by_rows = pool_rows_written(customers)

    assert by_rows == by_services
    assert [e[0] for e in by_rows["pool_events"]] == ["release", "claim", "reclaim", "assign", "assign"]
    sent = Notification.objects.filter(object_type="customer").order_by("created_at")
    assert [n.created_at for n in sent] == [days(4), days(6), days(8)]   # the warning, the reclaim, the assignment


def test_bulk_rows_are_the_rows_of_the_lead_pool_services_and_jobs(personas: Any) -> None:
    p = personas
    pool = make_pool(p, name="线索公海", kind="lead", reclaim_after_claim_days=3, reclaim_no_follow_up_days=10,
                     warn_days_before=2, cooldown_days=7)
    first, second = (lead_create(actor=p.manager, company=name, owner=None) for name in ("宁波海天塑机", "苏州精密模具"))
    leads = [first, second]

    with transaction.atomic():
        lead_claim(actor=p.bob, pool=pool, lead_id=first.pk, now=days(1))
        assert jobs.lead_warnings_run(days(2)) == {"warned": 1}
        assert jobs.lead_reclaim_run(days(4)) == {"reclaimed": 1, "skipped": 0}
        with translation.override("zh-hans"):
            leads_assign(actor=p.manager, pool=pool, lead_ids=[first.pk, second.pk], owner=p.alice, now=days(6))
        lead_release(actor=p.alice, lead=second, reason="联系不上", now=days(7))
        by_services = pool_rows_written(leads, "lead")
        transaction.set_rollback(True)

    alice, bob, mike = (Person(u.pk, u.display_name) for u in (p.alice, p.bob, p.manager))
    one, two = Record(first.pk, first.company), Record(second.pk, second.company)
    due = due_for(owner_since=days(1), last_follow_up_at=None, won_at=None, rules=lead_rules(pool))
    rows, batch = PoolRows(), PoolBatch()
    rows.lead_claim(batch, pool=pool, lead=one, user=bob, at=days(1))
    rows.lead_warn(batch, lead=one, owner=bob, due=due, at=days(2))
    rows.lead_reclaim(batch, pool=pool, lead=one, owner=bob, due=due, at=days(4))
    rows.lead_assign(batch, pool=pool, leads=[one, two], receiver=alice, actor=mike, at=days(6))
    rows.lead_release(batch, pool=pool, lead=two, owner=alice, actor=alice, reason="联系不上", at=days(7))
    batch.write(RowWriter())
    by_rows = pool_rows_written(leads, "lead")

    assert by_rows == by_services
    assert [e[0] for e in by_rows["pool_events"]] == ["claim", "reclaim", "assign", "assign", "release"]
    assert len(by_rows["warnings"]) == 1 and len(by_rows["notifications"]) == 3
