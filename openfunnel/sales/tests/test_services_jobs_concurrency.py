"""Two workers running the sales jobs at the same moment act once per opportunity (PostgreSQL only:
real parallel transactions; SQLite serializes writers and skips these)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from openfunnel.automation.models import Notification
from openfunnel.core.testing import make_personas
from openfunnel.customers.services import customer_create
from openfunnel.sales.jobs import auto_close_lost, close_reminders, overdue_flags
from openfunnel.sales.models import Opportunity, Pipeline
from openfunnel.sales.services import ensure_default_pipelines, opportunity_create

pytestmark = pytest.mark.postgres


def _parallel(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # the test inspects what each worker ended with
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def setup(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency tests need PostgreSQL (set DATABASE_URL)")
    personas = make_personas()
    ensure_default_pipelines()
    pipeline = Pipeline.objects.get(name="标准销售流程")
    pipeline.auto_close_lost_after_days = 1
    pipeline.save()
    customer = customer_create(actor=personas.alice, name="并发测试有限公司")
    for i in range(20):
        opportunity_create(actor=personas.alice, customer=customer, name=f"并发 {i}", pipeline=pipeline,
                           expected_close_date=dt.date(2026, 5, 20))
    return personas


def test_two_workers_flag_remind_and_close_each_opportunity_once(setup):
    now = timezone.make_aware(dt.datetime(2026, 5, 14, 9))
    reminded = _parallel([lambda: close_reminders(now), lambda: close_reminders(now)])
    assert sum(r["reminded"] for r in reminded) == 20, reminded
    assert Notification.objects.filter(recipient=setup.alice, kind="reminder").count() == 20
    later = timezone.make_aware(dt.datetime(2026, 5, 21, 9))
    flagged = _parallel([lambda: overdue_flags(later), lambda: overdue_flags(later)])
    assert sum(r["flagged"] for r in flagged) == 20, flagged
    much_later = timezone.make_aware(dt.datetime(2026, 6, 1, 9))
    closed = _parallel([lambda: auto_close_lost(much_later), lambda: auto_close_lost(much_later)])
    assert sum(r["closed"] for r in closed) == 20, closed
    assert Opportunity.objects.filter(status="lost").count() == 20
