"""The reclaim and warning jobs at chosen --now times: rules, overrides, exemptions, idempotence, races."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from openfunnel.activities.services import activity_create
from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.customers.models import Customer, CustomerLevel
from openfunnel.pool import jobs
from openfunnel.pool.models import PoolEvent, PoolLevelRule, ReclaimWarning
from openfunnel.pool.services import customer_claim, customer_reclaim
from openfunnel.pool.testing import make_pool, pool_customer

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))


def days(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


@pytest.fixture
def rules_pool(personas):
    return make_pool(personas, reclaim_after_claim_days=3, reclaim_no_follow_up_days=10, reclaim_no_deal_days=60,
                     warn_days_before=2, cooldown_days=7)


@pytest.fixture
def claimed(personas, rules_pool):
    customer = pool_customer(rules_pool, "Reclaim Me Co")
    return customer_claim(actor=personas.alice, pool=rules_pool, customer_id=customer.pk, now=T0)


def _owner(customer):
    return Customer.objects.get(pk=customer.pk).owner


def test_no_follow_up_after_claim_is_reclaimed_with_its_rule(personas, rules_pool, claimed):
    assert jobs.reclaim_run(days(2.9)) == {"reclaimed": 0, "skipped": 0}
    assert jobs.reclaim_run(days(3)) == {"reclaimed": 1, "skipped": 0}
    customer = Customer.objects.get(pk=claimed.pk)
    assert customer.owner is None and customer.pool == rules_pool and customer.previous_owner == personas.alice
    assert customer.owner_since is None and "3" in customer.pool_reason
    event = PoolEvent.objects.get(kind="reclaim")
    assert (event.user, event.actor, event.rule, event.at) == (personas.alice, None, "after_claim", days(3))
    assert Event.objects.get(verb="pool.reclaimed").customer_id == claimed.pk
    note = Notification.objects.get(recipient=personas.alice, object_id=claimed.pk)
    assert "Reclaim Me Co" in note.message and "3" in note.message
    # Idempotent: a second run at the same or a later moment does nothing more.
    assert jobs.reclaim_run(days(3)) == {"reclaimed": 0, "skipped": 0}
    assert jobs.reclaim_run(days(30))["reclaimed"] == 0
    assert PoolEvent.objects.filter(kind="reclaim").count() == 1


def test_follow_up_moves_the_due_date(personas, rules_pool, claimed):
    activity_create(actor=personas.alice, kind="call", content="Intro call", customer=claimed, occurred_at=days(1))
    assert jobs.reclaim_run(days(5))["reclaimed"] == 0
    assert jobs.reclaim_run(days(10.9))["reclaimed"] == 0
    assert jobs.reclaim_run(days(11))["reclaimed"] == 1
    assert PoolEvent.objects.get(kind="reclaim").rule == "no_follow_up"


def test_level_override_and_exempt_stage(personas, rules_pool, claimed):
    vip = CustomerLevel.objects.create(code="vipx", name="VIP X")
    Customer.objects.filter(pk=claimed.pk).update(level=vip)
    PoolLevelRule.objects.create(pool=rules_pool, level=vip, reclaim_after_claim_days=30)
    assert jobs.reclaim_run(days(9))["reclaimed"] == 0
    assert jobs.reclaim_run(days(10))["reclaimed"] == 1  # no_follow_up (10 days) still applies to VIP
    assert PoolEvent.objects.get(kind="reclaim").rule == "no_follow_up"


def test_opportunity_at_the_exempt_stage_protects_the_customer(personas, rules_pool, claimed):
    from openfunnel.sales.models import Opportunity, Pipeline

    pipeline = Pipeline.objects.order_by("pk").first()
    stages = list(pipeline.stages.order_by("order"))
    rules_pool.exempt_stage = stages[2]
    rules_pool.save()
    opportunity = Opportunity.objects.create(name="Deal", customer=claimed, owner=personas.alice,
                                             pipeline=pipeline, stage=stages[1])
    assert jobs.reclaim_run(days(4))["reclaimed"] == 1  # before the exempt stage: not protected
    Customer.objects.filter(pk=claimed.pk).update(owner=personas.alice, owner_since=T0)
    Opportunity.objects.filter(pk=opportunity.pk).update(stage=stages[2])
    assert jobs.reclaim_run(days(100))["reclaimed"] == 0


def test_won_deal_stops_the_no_deal_rule(personas, rules_pool, claimed):
    from openfunnel.sales.models import Opportunity, Pipeline

    pipeline = Pipeline.objects.order_by("pk").first()
    won_stage = pipeline.stages.filter(kind="won").first()
    for n in range(1, 60, 9):  # follow-ups keep the two follow-up rules quiet
        Customer.objects.filter(pk=claimed.pk).update(last_follow_up_at=days(n))
    assert jobs.reclaim_run(days(60))["reclaimed"] == 1
    assert PoolEvent.objects.get(kind="reclaim").rule == "no_deal"
    Customer.objects.filter(pk=claimed.pk).update(owner=personas.alice, owner_since=T0, last_follow_up_at=days(55))
    Opportunity.objects.create(name="Won", customer=claimed, owner=personas.alice, pipeline=pipeline, stage=won_stage,
                               status="won", won_at=days(20))
    assert jobs.reclaim_run(days(61))["reclaimed"] == 0


def test_reclaimed_customers_go_to_the_target_pool(personas, rules_pool, claimed):
    target = make_pool(personas, name="Cold pool")
    rules_pool.reclaim_to = target
    rules_pool.save()
    jobs.reclaim_run(days(3))
    assert Customer.objects.get(pk=claimed.pk).pool == target


def test_default_pool_governs_customers_never_in_a_pool(personas):
    pool = make_pool(personas, is_default=True, reclaim_no_follow_up_days=30)
    own = Customer.objects.create(name="Own Co", name_key="own co", owner=personas.bob, owner_since=T0)
    assert jobs.reclaim_run(days(29))["reclaimed"] == 0
    assert jobs.reclaim_run(days(30))["reclaimed"] == 1
    assert Customer.objects.get(pk=own.pk).pool == pool


def test_follow_up_after_selection_keeps_the_customer(personas, rules_pool, claimed):
    """The job selected the customer; a follow-up lands; the reclaim then misses and changes nothing."""
    selected = list(jobs.due_rows(rules_pool, days(4)))
    assert [row["pk"] for row, _due in selected] == [claimed.pk]
    activity_create(actor=personas.alice, kind="visit", content="On site", customer=claimed, occurred_at=days(3.5))
    row, due = selected[0]
    assert not customer_reclaim(customer_id=row["pk"], owner_id=row["owner_id"], owner_since=row["owner_since"],
                                last_follow_up_at=row["last_follow_up_at"], pool=rules_pool, due=due, now=days(4))
    assert _owner(claimed) == personas.alice
    assert not PoolEvent.objects.filter(kind="reclaim").exists()


def test_warning_once_before_the_reclaim(personas, rules_pool, claimed):
    assert jobs.warnings_run(days(0.5)) == {"warned": 0}
    assert jobs.warnings_run(days(1)) == {"warned": 1}
    assert jobs.warnings_run(days(1.5)) == {"warned": 0}
    warning = ReclaimWarning.objects.get()
    assert warning.rule == "after_claim" and warning.owner == personas.alice
    note = Notification.objects.get(recipient=personas.alice, kind="reminder")
    assert "2026-03-05" in note.message
    assert Event.objects.filter(verb="pool.reclaim_warned", customer_id=claimed.pk).count() == 1
    assert jobs.warnings_run(days(3)) == {"warned": 0}  # due now: the reclaim job's business


def test_run_jobs_command_with_now(personas, rules_pool, claimed):
    out = StringIO()
    call_command("run-jobs", "--now", days(3).isoformat(), "--only", "pool_reclaim", stdout=out)
    assert json.loads(out.getvalue())["jobs"]["pool_reclaim"] == {"reclaimed": 1, "skipped": 0}
    assert _owner(claimed) is None


@pytest.mark.parametrize("smtp", [True, False])
def test_reclaim_and_warning_are_mailed_when_smtp_is_configured(personas, rules_pool, claimed, settings, mailoutbox,
                                                                 django_capture_on_commit_callbacks, smtp):
    settings.SMTP_CONFIGURED = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.warnings_run(days(1)) == {"warned": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.reclaim_run(days(3))["reclaimed"] == 1
    # In-app either way; by e-mail only with SMTP, each naming the customer and the rule that fired.
    assert Notification.objects.filter(recipient=personas.alice, object_id=claimed.pk).count() == 2
    if not smtp:
        assert mailoutbox == []
        return
    assert [m.to for m in mailoutbox] == [[personas.alice.email]] * 2
    warning, reclaim = (m.body for m in mailoutbox)
    # The company's language (zh-Hans): the rule reads "no follow-up within 3 days after claim or assignment".
    assert "Reclaim Me Co" in warning and "2026-03-05" in warning and "领取或分配后 3 天内未跟进" in warning
    assert "Reclaim Me Co" in reclaim and "领取或分配后 3 天内未跟进" in reclaim


def test_a_batch_reclaims_only_what_is_unchanged_since_the_selection(personas, rules_pool, claimed):
    """The job writes a batch at a time: a follow-up or a deletion after the selection keeps that customer out,
    the others go back each with its own rule, former owner, pool log entry, timeline event and notice (none to an
    owner who has left)."""
    from openfunnel.pool.services.reclaim_batch import customers_reclaim

    others = [pool_customer(rules_pool, f"Batch {i} Co") for i in range(4)]
    for customer, owner in zip(others, [personas.alice, personas.bob, personas.bob, personas.alice], strict=True):
        Customer.objects.filter(pk=customer.pk).update(owner=owner, owner_since=T0)
    Customer.objects.filter(pk=others[0].pk).update(last_follow_up_at=days(1))  # due by no_follow_up at 11
    personas.bob.is_active = False
    personas.bob.save()
    selected = list(jobs.due_rows(rules_pool, days(11)))
    assert len(selected) == 5
    activity_create(actor=personas.alice, kind="call", content="Still interested", customer=claimed,
                    occurred_at=days(10.5))
    Customer.objects.filter(pk=others[3].pk).update(deleted_at=days(10.5))
    assert customers_reclaim(batch=selected, pool=rules_pool, now=days(11)) == 3
    back = {c.pk: c for c in Customer.objects.filter(pool=rules_pool, owner__isnull=True)}
    assert set(back) == {others[0].pk, others[1].pk, others[2].pk}
    assert [back[c.pk].previous_owner for c in others[:3]] == [personas.alice, personas.bob, personas.bob]
    assert back[others[0].pk].pool_reason != back[others[1].pk].pool_reason  # no_follow_up vs after_claim
    assert _owner(claimed) == personas.alice and Customer.objects.get(pk=others[3].pk).owner == personas.alice
    assert dict(PoolEvent.objects.filter(kind="reclaim").values_list("customer_id", "rule")) == {
        others[0].pk: "no_follow_up", others[1].pk: "after_claim", others[2].pk: "after_claim"}
    events = Event.objects.filter(verb="pool.reclaimed").order_by("customer_id")
    assert [(e.customer_id, e.changes, e.data["user"], e.at) for e in events] == [
        (c.pk, {"owner": [owner.pk, None]}, owner.pk, days(11))
        for c, owner in zip(others[:3], [personas.alice, personas.bob, personas.bob], strict=True)]
    notes = Notification.objects.filter(object_type="customer", object_id__in=[c.pk for c in others])
    assert [(n.recipient, n.object_id, n.url) for n in notes] == [
        (personas.alice, others[0].pk, f"/customers/{others[0].pk}/")]
    assert "Batch 0 Co" in notes[0].message
    # Run again: nothing left to do.
    assert customers_reclaim(batch=selected, pool=rules_pool, now=days(11)) == 0


def test_a_warning_batch_skips_customers_whose_owner_changed_since_the_selection(personas, rules_pool, claimed):
    from openfunnel.pool.services.reclaim_batch import customers_warn

    other = pool_customer(rules_pool, "Warn Batch Co")
    Customer.objects.filter(pk=other.pk).update(owner=personas.bob, owner_since=T0)
    selected = list(jobs.due_rows(rules_pool, days(3)))
    assert len(selected) == 2
    Customer.objects.filter(pk=claimed.pk).update(owner=personas.manager)
    assert customers_warn(batch=selected, now=days(1)) == 1
    assert customers_warn(batch=selected, now=days(1.5)) == 0  # once per due day
    assert list(ReclaimWarning.objects.values_list("customer_id", "owner_id", "rule")) == [
        (other.pk, personas.bob.pk, "after_claim")]
    assert list(Notification.objects.filter(kind="reminder").values_list("recipient_id", "object_id")) == [
        (personas.bob.pk, other.pk)]
    assert Event.objects.filter(verb="pool.reclaim_warned").get().customer_id == other.pk
