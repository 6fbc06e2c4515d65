"""The close-date and stage-time jobs, run at chosen moments (as `openfunnel run-jobs --now` does)."""

import datetime as dt
import io
import json
from decimal import Decimal

from django.core.management import call_command

from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.jobs import run_due_jobs
from openfunnel.sales.models import Opportunity
from openfunnel.sales.services import opportunity_move, opportunity_update

from .conftest import aware


def run(name, now):
    return run_due_jobs(now=now, only=name)[name]


def test_close_reminder_n_days_before_to_owner_and_manager_once(world):
    opp = world.opp(expected_close_date=dt.date(2026, 5, 20), at=aware(2026, 5, 1))
    assert run("opportunity_close_reminders", aware(2026, 5, 12)) == {"reminded": 0}  # 8 days before
    assert run("opportunity_close_reminders", aware(2026, 5, 13)) == {"reminded": 1}  # 7 days before
    assert run("opportunity_close_reminders", aware(2026, 5, 14)) == {"reminded": 0}  # once per date
    recipients = set(Notification.objects.filter(kind="reminder").values_list("recipient__username", flat=True))
    assert recipients == {"alice", "mike"}
    assert "2026-05-20" in Notification.objects.filter(recipient=world.p.alice).get().message
    assert Event.objects.get(verb="opportunity.close_reminder_sent").customer_id == world.alice_customer.pk
    # a new date is a new reminder
    opportunity_update(actor=world.p.alice, opportunity=opp, data={"expected_close_date": dt.date(2026, 5, 25)})
    assert run("opportunity_close_reminders", aware(2026, 5, 19)) == {"reminded": 1}


def test_close_reminder_days_follow_the_pipeline(world):
    world.pipeline.close_reminder_days = 3
    world.pipeline.save()
    world.opp(expected_close_date=dt.date(2026, 5, 20), at=aware(2026, 5, 1))
    assert run("opportunity_close_reminders", aware(2026, 5, 16)) == {"reminded": 0}
    assert run("opportunity_close_reminders", aware(2026, 5, 17)) == {"reminded": 1}


def test_overdue_flag_after_the_date_and_cleared_when_pushed(world):
    opp = world.opp(expected_close_date=dt.date(2026, 5, 20), at=aware(2026, 5, 1))
    closed = world.opp(expected_close_date=dt.date(2026, 5, 20), name="closed", at=aware(2026, 5, 1))
    Opportunity.objects.filter(pk=closed.pk).update(status="lost")
    assert run("opportunity_overdue", aware(2026, 5, 20, 23)) == {"flagged": 0, "cleared": 0}
    assert run("opportunity_overdue", aware(2026, 5, 21)) == {"flagged": 1, "cleared": 0}
    assert run("opportunity_overdue", aware(2026, 5, 22)) == {"flagged": 0, "cleared": 0}
    opp.refresh_from_db()
    assert opp.is_overdue
    assert Event.objects.filter(verb="opportunity.overdue", object_id=opp.pk).count() == 1
    Opportunity.objects.filter(pk=opp.pk).update(expected_close_date=dt.date(2026, 6, 30))  # moved by hand
    assert run("opportunity_overdue", aware(2026, 5, 23)) == {"flagged": 0, "cleared": 1}


def test_auto_close_as_lost_after_the_grace_period_only_where_set(world):
    opp = world.opp(expected_close_date=dt.date(2026, 5, 20), at=aware(2026, 5, 1))
    assert run("opportunity_auto_close", aware(2026, 9, 1)) == {"closed": 0}  # the pipeline does not auto-close
    world.pipeline.auto_close_lost_after_days = 10
    world.pipeline.auto_close_lost_reason = world.reasons["其他"]
    world.pipeline.save()
    assert run("opportunity_auto_close", aware(2026, 5, 30)) == {"closed": 0}  # 10 days: still in grace
    assert run("opportunity_auto_close", aware(2026, 5, 31)) == {"closed": 1}
    assert run("opportunity_auto_close", aware(2026, 6, 1)) == {"closed": 0}
    opp.refresh_from_db()
    assert (opp.status, opp.stage, opp.lost_reason) == ("lost", world.stage("输单"), world.reasons["其他"])
    assert "2026-05-20" in opp.lost_note
    event = Event.objects.get(verb="opportunity.auto_closed")
    assert event.actor is None and event.customer_id == world.alice_customer.pk


def test_stage_sla_warning_once_per_stage_entry(world):
    opp = world.opp(at=aware(2026, 5, 1))  # 取得销售机会 allows 7 days
    assert run("opportunity_stage_sla", aware(2026, 5, 7)) == {"warned": 0}
    assert run("opportunity_stage_sla", aware(2026, 5, 8, 10)) == {"warned": 1}
    assert run("opportunity_stage_sla", aware(2026, 5, 9)) == {"warned": 0}
    assert Notification.objects.filter(recipient=world.p.manager, kind="reminder").exists()
    event = Event.objects.get(verb="opportunity.stage_sla_exceeded")
    assert event.data["max_days"] == 7 and event.data["stage_name"] == "取得销售机会"
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("初次接触"), at=aware(2026, 5, 10))
    assert run("opportunity_stage_sla", aware(2026, 5, 23)) == {"warned": 0}  # 13 days of 14
    assert run("opportunity_stage_sla", aware(2026, 5, 25)) == {"warned": 1}


def test_run_jobs_command_replays_a_moment(world):
    world.opp(expected_close_date=dt.date(2026, 5, 20), amount=Decimal("1"), at=aware(2026, 5, 1))
    out = io.StringIO()
    call_command("run-jobs", "--now", "2026-05-21T09:00+08:00", stdout=out)
    jobs = json.loads(out.getvalue())["jobs"]
    assert jobs["opportunity_overdue"]["flagged"] == 1 and jobs["opportunity_stage_sla"]["warned"] == 1
    assert jobs["opportunity_close_reminders"] == {"reminded": 0}
    again = io.StringIO()
    call_command("run-jobs", "--now", "2026-05-21T10:00+08:00", stdout=again)
    jobs = json.loads(again.getvalue())["jobs"]
    assert jobs["opportunity_overdue"]["flagged"] == 0 and jobs["opportunity_stage_sla"]["warned"] == 0


def test_discipline_services_act_once_per_opportunity(world):
    """Two workers calling the same service for the same row: the conditional update lets one act."""
    from openfunnel.sales.services import opportunity_close_reminder_send, opportunity_flag_overdue

    opp = world.opp(expected_close_date=dt.date(2026, 5, 20), at=aware(2026, 5, 1))
    results = [opportunity_flag_overdue(opportunity_id=opp.pk, now=aware(2026, 5, 21)) for _ in range(2)]
    assert results == [True, False]
    Opportunity.objects.filter(pk=opp.pk).update(is_overdue=False, expected_close_date=dt.date(2026, 5, 25))
    results = [opportunity_close_reminder_send(opportunity_id=opp.pk, now=aware(2026, 5, 21), days_before=7)
               for _ in range(2)]
    assert results == [True, False]
