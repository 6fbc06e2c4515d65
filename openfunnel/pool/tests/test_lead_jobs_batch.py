"""The lead jobs write a batch per transaction (services.reclaim_batch): for the same story they leave the rows
the per-lead services (lead_reclaim_warn, lead_reclaim) leave, row for row, changes after the selection
included; and their statements grow with the batches, not with the leads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openfunnel.leads.models import Lead
from openfunnel.leads.services import lead_create
from openfunnel.pool import jobs
from openfunnel.pool.lead_rules import lead_due_rows
from openfunnel.pool.models import Pool
from openfunnel.pool.services import lead_claim, lead_reclaim, lead_reclaim_warn
from openfunnel.pool.services.reclaim_batch import leads_reclaim
from openfunnel.pool.testing import make_pool, pool_rows_written

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))


def days(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def _per_lead_warnings(now: dt.datetime) -> int:
    """The warnings job as it was: one lead_reclaim_warn per lead falling due within the warning days."""
    return sum(lead_reclaim_warn(lead_id=row["pk"], owner_id=row["owner_id"], due=due, now=now)
               for pool in Pool.objects.filter(kind=Pool.Kind.LEAD, warn_days_before__gt=0).order_by("pk")
               for row, due in lead_due_rows(pool, now + dt.timedelta(days=pool.warn_days_before)) if due.at > now)


def _per_lead_reclaim(*, batch: list[Any], pool: Pool, now: dt.datetime) -> int:
    return sum(lead_reclaim(lead_id=row["pk"], owner_id=row["owner_id"], assigned_at=row["assigned_at"],
                            last_follow_up_at=row["last_follow_up_at"], pool=pool, due=due, now=now)
               for row, due in batch)


def _story(p: Any, leads: dict[str, Any], *, warn: Any, reclaim: Any) -> dict[str, Any]:
    """Warnings at day 1.5; the leads due at day 12 selected; then a follow-up, a deletion and a transfer land on
    three of them; then the reclaim of what was selected."""
    warned = warn(days(1.5))
    selected = [(pool, list(lead_due_rows(pool, days(12))))
                for pool in Pool.objects.filter(kind=Pool.Kind.LEAD).order_by("pk")]
    Lead.objects.filter(pk=leads["followed"].pk).update(last_follow_up_at=days(11.5))
    Lead.objects.filter(pk=leads["deleted"].pk).update(deleted_at=days(11.5))
    Lead.objects.filter(pk=leads["moved"].pk).update(owner=p.manager)
    reclaimed = sum(reclaim(batch=rows, pool=pool, now=days(12)) for pool, rows in selected)
    return {"counts": (warned, sum(len(rows) for _pool, rows in selected), reclaimed),
            **pool_rows_written(list(leads.values()), "lead"),
            "leads": list(Lead.objects.filter(pk__in=[lead.pk for lead in leads.values()]).order_by("pk")
                          .values_list("pk", "owner_id", "assigned_at", "last_follow_up_at", "version", "updated_at"))}


def test_batched_lead_jobs_leave_the_rows_of_the_per_lead_services(personas):
    p = personas
    pool = make_pool(p, name="Lead pool", kind="lead", reclaim_after_claim_days=3, reclaim_no_follow_up_days=10,
                     warn_days_before=2)
    make_pool(p, name="Default leads", kind="lead", is_default=True, reclaim_after_claim_days=5)
    leads = {name: lead_create(actor=p.manager, company=f"{name.title()} Lead Co", owner=None)
             for name in ("silent", "stale", "left", "converted", "followed", "deleted", "moved")}
    for name, lead in leads.items():
        lead_claim(actor=p.bob if name in ("stale", "left") else p.alice, pool=pool, lead_id=lead.pk, now=T0)
    Lead.objects.filter(pk=leads["stale"].pk).update(last_follow_up_at=days(1))   # due by no_follow_up at 11
    Lead.objects.filter(pk=leads["converted"].pk).update(status=Lead.Status.CONVERTED)
    leads["own"] = lead_create(actor=p.alice, company="Own Lead Co", at=T0)        # the default pool's
    p.bob.is_active = False  # bob's leads go back without a notice to him
    p.bob.save()

    with transaction.atomic():
        per_lead = _story(p, leads, warn=_per_lead_warnings, reclaim=_per_lead_reclaim)
        transaction.set_rollback(True)
    batched = _story(p, leads, warn=lambda now: jobs.lead_warnings_run(now)["warned"], reclaim=leads_reclaim)

    assert batched == per_lead
    # the story is told: 5 warned (bob's stale lead falls due later), 7 selected, 4 back (3 kept by what landed)
    assert batched["counts"] == (5, 7, 4)
    reclaims = {e[3]: (e[6], e[7]) for e in batched["pool_events"] if e[0] == "reclaim"}
    assert {pk: rule for pk, (_reason, rule) in reclaims.items()} == {
        leads["silent"].pk: "after_claim", leads["stale"].pk: "no_follow_up", leads["left"].pk: "after_claim",
        leads["own"].pk: "after_claim"}
    assert {n[0] for n in batched["notifications"]} == {p.alice.pk}


def test_lead_jobs_statements_grow_with_the_batches_not_the_leads(personas, monkeypatch):
    pool = make_pool(personas, name="Lead pool", kind="lead", reclaim_after_claim_days=3, warn_days_before=2)
    leads = [lead_create(actor=personas.manager, company=f"Batch Lead {i}", owner=None) for i in range(12)]
    for lead in leads:
        lead_claim(actor=personas.alice, pool=pool, lead_id=lead.pk, now=T0)

    def statements(run: Any, at: dt.datetime, *, due: int, batch: int) -> int:
        """The statements of `run` at `at` with the first `due` leads owned, `batch` per transaction."""
        monkeypatch.setattr(jobs, "BATCH", batch)
        with transaction.atomic():
            Lead.objects.filter(pk__in=[lead.pk for lead in leads[due:]]).update(owner=None, assigned_at=None)
            with CaptureQueriesContext(connection) as ctx:
                assert list(run(at).values())[0] == due
            transaction.set_rollback(True)
        return len(ctx.captured_queries)

    for run, at in ((jobs.lead_warnings_run, days(1.5)), (jobs.lead_reclaim_run, days(3))):
        one, two, three = (statements(run, at, due=n, batch=4) for n in (4, 8, 12))
        assert three - two == two - one, (one, two, three)    # the same statements for each batch of 4
        assert statements(run, at, due=12, batch=12) == one   # and for a batch of 12
