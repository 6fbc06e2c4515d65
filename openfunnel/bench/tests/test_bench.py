"""The benchmark command at a tiny scale (so that it cannot rot) and the invariants of the rows it
generates (they must be the rows the services would write). Nothing here is timed."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from openfunnel.bench.generate import (
    DEFAULT_SEED,
    company_name,
    ensure_company,
    full_counts,
    phone_digits,
)
from openfunnel.bench.operations import OPERATIONS

SCALE = 0.0005
NOW = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def company(db: Any) -> Any:
    return ensure_company(scale=SCALE, now=NOW)


def test_bench_command_writes_every_operation_and_the_row_counts(db: Any, tmp_path: Any) -> None:
    path = tmp_path / "bench.json"
    call_command(
        "bench",
        "--scale",
        str(SCALE),
        "--json",
        str(path),
        "--repeat",
        "1",
        "--warmup",
        "1",
        stdout=_Sink(),
        stderr=_Sink(),
    )
    data = json.loads(path.read_text())
    assert data["scale"] == SCALE
    assert data["database"]["vendor"] in ("sqlite", "postgresql")
    assert data["machine"]["cores"] >= 1
    expected = full_counts(SCALE)
    assert expected == {
        "customers": 500,
        "contacts": 750,
        "follow_ups": 2500,
        "opportunities": 500,
        "stage_changes": 2500,
    }
    for name, count in expected.items():
        assert data["counts"][name] == count
    assert data["counts"]["users"] == 551 and data["counts"]["departments"] == 50
    by_name = {entry["name"]: entry for entry in data["operations"]}
    assert set(by_name) == set(OPERATIONS)
    for name, entry in by_name.items():
        if OPERATIONS[name].unavailable:
            assert entry["available"] is False and "not available yet" in entry["reason"]
            continue
        assert "error" not in entry, (name, entry.get("error"))
        if entry["kind"] not in ("page", "api"):
            continue
        for key in ("median_ms", "p95_ms", "queries", "db_ms", "sql_ms", "ratio"):
            assert isinstance(entry[key], (int, float)) and entry[key] >= 0, (name, key, entry.get(key))
        assert entry["p95_ms"] >= entry["median_ms"] > 0
        assert entry["target"]["queries"] == 10 and isinstance(entry["passed"], bool)
    assert data["generation"]["generated_now"] is True

    # The pool's operations: claims through the web page and the API, the race, and the reclaim job; what they
    # changed is put back (the pool log holds the generated history only).
    claims = by_name["pool.claim"]
    assert claims["kind"] == "throughput" and claims["clients"] == 8 and claims["claims_per_round"] >= 8
    for via in ("web", "api"):   # posted as a browser would: with the CSRF token, which is checked
        assert claims[via]["claims_per_second"] > 0 and claims[via]["queries"] > 0
    assert claims["sessions"] in ("db", "cached_db")
    race = claims["contention"]
    assert race["passed"] is True and race["one_winner_each"] == race["customers"] >= 1
    assert race["requests"] == 8 * race["customers"] and race["claims_logged"] == race["customers"]
    job = by_name["jobs.reclaim"]
    assert job["kind"] == "job" and job["reclaimed"] == job["due"] >= 1 and job["seconds"] > 0
    assert isinstance(job["passed"], bool) and isinstance(claims["passed"], bool)
    assert by_name["pool.page"]["path"].startswith("/pool/")
    from openfunnel.customers.models import Customer
    from openfunnel.pool.models import PoolEvent

    counts = data["counts"]
    assert PoolEvent.objects.count() == counts["pool_reclaims"] + counts["pool_releases"] + counts["pool_claims"]
    assert Customer.objects.filter(owner__isnull=True).count() == counts["pool_customers"]

    # A second run reuses the data and measures only what --only names.
    again = tmp_path / "again.json"
    call_command(
        "bench",
        "--scale",
        str(SCALE),
        "--json",
        str(again),
        "--repeat",
        "1",
        "--only",
        "customers.list.*,pool.claim",
        stdout=_Sink(),
        stderr=_Sink(),
    )
    second = json.loads(again.read_text())
    assert second["generation"]["generated_now"] is False
    assert second["counts"] == data["counts"]
    assert [e["name"] for e in second["operations"]] == [
        "customers.list.rep",
        "customers.list.manager",
        "customers.list.admin",
        "pool.claim",
    ]
    with pytest.raises(CommandError, match="scale 0.0005"):
        call_command("bench", "--scale", "0.001", "--json", str(again), stdout=_Sink(), stderr=_Sink())
    with pytest.raises(CommandError, match="matches no operation"):
        call_command("bench", "--scale", str(SCALE), "--only", "nothing.*", stdout=_Sink(), stderr=_Sink())


def test_an_operation_that_fails_is_reported_and_the_run_goes_on(monkeypatch: Any) -> None:
    from openfunnel.bench.measure import run_operations
    from openfunnel.bench.operations import Operation, OperationError

    def broken(ctx: Any, repeat: int, warmup: int) -> dict[str, Any]:
        raise ValueError("the page broke")

    def missing(ctx: Any, repeat: int, warmup: int) -> dict[str, Any]:
        raise OperationError("no pool here")

    def fine(ctx: Any, repeat: int, warmup: int) -> dict[str, Any]:
        return {"seconds": 1.0}

    for name, runner in (("x.broken", broken), ("x.missing", missing), ("x.fine", fine)):
        monkeypatch.setitem(OPERATIONS, name, Operation(name, name, kind="job", runner=runner))
    results = run_operations(None, names=["x.broken", "x.missing", "x.fine"], repeat=1, warmup=0)
    assert [r.get("error") for r in results] == ["ValueError: the page broke", "no pool here", None]
    assert results[2]["seconds"] == 1.0


def test_refuses_a_database_holding_other_data(personas: Any, tmp_path: Any) -> None:
    from openfunnel.customers.models import Customer

    with pytest.raises(CommandError, match="already holds users"):
        call_command(
            "bench", "--scale", str(SCALE), "--json", str(tmp_path / "x.json"), stdout=_Sink(), stderr=_Sink()
        )
    assert not Customer.objects.exists()


def test_row_counts_match_the_scale(company: Any) -> None:
    from openfunnel.accounts.models import Department, User
    from openfunnel.activities.models import Activity
    from openfunnel.customers.models import Contact, Customer
    from openfunnel.sales.models import Opportunity, StageChange

    assert Customer.objects.count() == 500
    assert Contact.objects.count() == 750
    assert Activity.objects.count() == 2500
    assert Opportunity.objects.count() == 500
    assert StageChange.objects.count() == 2500
    assert User.objects.filter(username__startswith="bench.rep").count() == 500
    assert Department.objects.count() == 50
    # three levels: the root, ten regions, their teams; reps sit in the teams
    root = Department.objects.get(name="Bench HQ", parent__isnull=True)
    regions = Department.objects.filter(parent=root)
    assert regions.count() == 10
    assert not Department.objects.filter(parent__parent__parent__isnull=False).exists()
    manager = User.objects.get(username="bench.mgr01")
    from openfunnel.accounts.scope import visible_owner_ids

    reps_in_scope = User.objects.filter(pk__in=visible_owner_ids(manager), role__code="rep").count()
    assert 45 <= reps_in_scope <= 55


def test_keys_are_normalized_like_the_services_do(company: Any) -> None:
    from openfunnel.audit.models import Event
    from openfunnel.customers.dedup import normalize_company, normalize_email, normalize_phone
    from openfunnel.customers.models import Contact, Customer

    names = set()
    for customer in Customer.objects.all():
        assert customer.name_key == normalize_company(customer.name)
        assert customer.phone_key == normalize_phone(customer.phone)
        assert customer.email_key == normalize_email(customer.email)
        if customer.previous_owner_id is None:   # never in a pool (test_pools.py tells the other stories)
            assert customer.owner_id is not None and customer.owner_since == customer.created_at
            # one version more when a won deal made it a deal customer (customer_mark_deal)
            became_deal = Event.objects.filter(verb="customer.became_deal", customer_id=customer.pk).exists()
            assert customer.created_by_id == customer.owner_id and customer.version == 1 + became_deal
        names.add(customer.name_key)
    assert len(names) == 500
    phones = set(Customer.objects.values_list("phone_key", flat=True))
    for contact in Contact.objects.all():
        assert contact.phone_key == normalize_phone(contact.phone)
        assert contact.email_key == normalize_email(contact.email)
        phones.add(contact.phone_key)
    assert len(phones) == 500 + 750  # no two customers or contacts share a phone: the duplicate check holds
    primaries = Counter(Contact.objects.filter(is_primary=True).values_list("customer_id", flat=True))
    assert len(primaries) == 500 and set(primaries.values()) == {1}


def test_the_text_search_index_holds_every_row_written(company: Any) -> None:
    """The generator writes without the index's triggers (SQLite) and rebuilds it: every customer is found by its
    name through the index, and the triggers are back."""
    from django.db import connection

    from openfunnel.customers import search_index
    from openfunnel.customers.models import Contact, Customer

    if not search_index.ready():
        pytest.skip("no FTS5 trigram index on this database")
    assert search_index.installed() == search_index.CUSTOMERS.triggers | search_index.CONTACTS.triggers
    with connection.cursor() as cursor:
        for index, model in ((search_index.CUSTOMERS, Customer), (search_index.CONTACTS, Contact)):
            cursor.execute(f"SELECT COUNT(DISTINCT doc) FROM {index.terms} WHERE col = 'name'")
            assert cursor.fetchone()[0] == model.objects.count()
    customer = Customer.objects.order_by("id").last()
    found = Customer.objects.filter(pk__in=search_index.customer_ids(customer.name[-4:], with_contacts=False))
    assert customer in found


def test_follow_up_times_and_reminders_match_the_follow_ups(company: Any) -> None:
    from openfunnel.activities.models import Activity, Reminder
    from openfunnel.customers.models import Customer

    latest = dict(
        Activity.objects.values("customer_id")
        .annotate(at=Max("occurred_at"))
        .values_list("customer_id", "at")
    )
    open_reminders = {
        r.customer_id: r for r in Reminder.objects.filter(task__isnull=True, done_at__isnull=True)
    }
    for customer in Customer.objects.all():
        assert customer.last_follow_up_at == latest.get(customer.pk)
        last = Activity.objects.filter(customer=customer).order_by("-occurred_at", "-id").first()
        assert customer.next_follow_up_at == (last.next_follow_up_at if last else None)
        if customer.next_follow_up_at is not None:
            reminder = open_reminders[customer.pk]
            # a customer with a follow-up planned is its creator's still (never released, not due)
            assert reminder.due_at == customer.next_follow_up_at and reminder.user_id == customer.owner_id
            assert customer.owner_id == customer.created_by_id
            assert reminder.activity_id == last.pk
        if last is not None:
            assert last.occurred_at >= customer.created_at and last.author_id == customer.created_by_id
    assert Activity.objects.filter(next_follow_up_at__isnull=False).count() == len(open_reminders)


def test_events_carry_what_the_services_record(company: Any) -> None:
    from openfunnel.activities.models import Activity
    from openfunnel.audit.models import Event
    from openfunnel.core.records import snapshot
    from openfunnel.customers.models import Contact, Customer
    from openfunnel.customers.services.contacts import CONTACT_FIELDS
    from openfunnel.customers.services.customers import CUSTOMER_FIELDS
    from openfunnel.sales.models import Opportunity
    from openfunnel.sales.services.opportunities import OPPORTUNITY_FIELDS

    events = {
        (e.verb, e.object_id): e
        for e in Event.objects.filter(
            verb__in=["customer.created", "contact.created", "activity.created", "opportunity.created"]
        )
    }
    for customer in Customer.objects.prefetch_related("tags")[:100]:
        event = events[("customer.created", customer.pk)]
        expected = snapshot(customer, CUSTOMER_FIELDS) | {"owner": customer.created_by_id}   # as created
        became_deal = Event.objects.filter(verb="customer.became_deal", customer_id=customer.pk).first()
        if became_deal is not None:
            expected["status"] = became_deal.changes["status"][0]
        if customer.tags.all():
            expected["tags"] = sorted(t.name for t in customer.tags.all())
        assert event.data == expected
        assert event.customer_id == customer.pk and event.actor_id == customer.created_by_id
        assert event.at == customer.created_at
    for contact in Contact.objects.all()[:100]:
        event = events[("contact.created", contact.pk)]
        assert event.data == snapshot(contact, CONTACT_FIELDS) and event.customer_id == contact.customer_id
    for activity in Activity.objects.select_related("author")[:200]:
        event = events[("activity.created", activity.pk)]
        assert event.data == {
            "kind": activity.kind,
            "content": activity.content,
            "activity_id": activity.pk,
            "occurred_at": timezone.localtime(activity.occurred_at).isoformat(),
            "author_name": activity.author.display_name,
            "attachments": [],
        }
        assert event.at == activity.occurred_at and event.object_repr == str(activity)
    for opportunity in Opportunity.objects.all()[:100]:
        event = events[("opportunity.created", opportunity.pk)]
        fields = {k: v for k, v in event.data.items() if k in OPPORTUNITY_FIELDS}
        assert set(fields) == set(OPPORTUNITY_FIELDS)
        assert fields["customer"] == opportunity.customer_id and fields["owner"] == opportunity.owner_id
        assert len(event.data["contacts"]) == 1 and event.data["lines"] == []
    verbs = Counter(Event.objects.values_list("verb", flat=True))
    assert verbs["customer.created"] == 500 and verbs["contact.created"] == 750
    assert verbs["activity.created"] == 2500 and verbs["opportunity.created"] == 500
    moves = verbs["opportunity.stage_changed"] + verbs["opportunity.won"] + verbs["opportunity.lost"]
    assert moves == 2500 - 500


def test_every_opportunity_is_where_its_stage_history_leads(company: Any) -> None:
    from openfunnel.sales.models import (
        Opportunity,
        OpportunityAttachment,
        OpportunityContact,
        Stage,
        StageChange,
    )
    from openfunnel.sales.requirements import requirements_missing

    history = defaultdict(list)
    for change in StageChange.objects.order_by("at", "id"):
        history[change.opportunity_id].append(change)
    contacts = set(OpportunityContact.objects.values_list("opportunity_id", flat=True))
    stages = {s.pk: s for s in Stage.objects.all()}
    attachments = Counter(OpportunityAttachment.objects.values_list("opportunity_id", "stage_id"))
    for opportunity in Opportunity.objects.select_related("stage"):
        changes = history[opportunity.pk]
        assert changes[0].from_stage_id is None and changes[0].at == opportunity.created_at
        for before, after in itertools.pairwise(changes):
            assert after.from_stage_id == before.to_stage_id and after.at >= before.at
            assert after.seconds_in_from_stage == int((after.at - before.at).total_seconds())
            target = stages[after.to_stage_id]
            if target.required_attachments and target.kind != Stage.Kind.LOST:
                assert attachments[(opportunity.pk, target.pk)] >= target.required_attachments
        last = changes[-1]
        assert opportunity.stage_id == last.to_stage_id
        assert opportunity.stage_entered_at == last.at
        assert opportunity.version == len(changes)
        assert opportunity.probability == opportunity.stage.probability
        assert opportunity.status == {"open": "open", "won": "won", "lost": "lost"}[opportunity.stage.kind]
        if opportunity.status == "won":
            assert (
                opportunity.won_at == opportunity.closed_at == last.at
                and opportunity.forecast_category == "closed"
            )
        elif opportunity.status == "lost":
            assert opportunity.lost_reason_id is not None and opportunity.closed_at == last.at
            assert opportunity.forecast_category == "omitted"
        else:
            assert opportunity.closed_at is None and opportunity.forecast_category == "pipeline"
            assert opportunity.is_overdue == (opportunity.expected_close_date < NOW.date())
        assert opportunity.pk in contacts and opportunity.amount > 0 and opportunity.expected_close_date
        if opportunity.stage.kind != Stage.Kind.LOST:
            # the stage guard lets it be where it is: fields, involved contact and attachments are there
            pipeline_stages = [s for s in stages.values() if s.pipeline_id == opportunity.pipeline_id]
            assert (
                requirements_missing(
                    opportunity=opportunity, current=None, target=opportunity.stage, stages=pipeline_stages
                )
                == {}
            )


def test_customers_with_a_won_deal_are_deal_customers_as_customer_mark_deal_leaves_them(company: Any) -> None:
    from openfunnel.audit.models import Event
    from openfunnel.customers.models import Customer
    from openfunnel.sales.models import Opportunity

    winners = set(Opportunity.objects.filter(status="won").values_list("customer_id", flat=True))
    assert winners, "the company has won deals"
    assert set(Customer.objects.filter(pk__in=winners).values_list("status", flat=True)) == {"deal"}
    became = Counter(Event.objects.filter(verb="customer.became_deal").values_list("customer_id", flat=True))
    assert set(became) <= winners and set(became.values()) <= {1}
    for event in Event.objects.filter(verb="customer.became_deal"):
        first_win = Opportunity.objects.filter(customer_id=event.customer_id, status="won").order_by("won_at").first()
        assert event.at == first_win.won_at and event.changes["status"][1] == "deal"


def test_same_seed_and_moment_give_the_same_company(db: Any) -> None:
    def fingerprint() -> list[Any]:
        from openfunnel.customers.models import Customer
        from openfunnel.sales.models import Opportunity

        customers = list(
            Customer.objects.order_by("id").values_list(
                "name", "owner__username", "level__code", "last_follow_up_at", "next_follow_up_at", "phone"
            )
        )
        opportunities = list(
            Opportunity.objects.order_by("id").values_list(
                "name", "customer__name", "stage__name", "amount", "stage_entered_at"
            )
        )
        return customers + opportunities

    prints = []
    for _run in range(2):
        with transaction.atomic():
            ensure_company(scale=0.0002, now=NOW, seed=DEFAULT_SEED)
            prints.append(fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1] and len(prints[0]) == 400


def test_names_and_phones_never_repeat() -> None:
    from openfunnel.customers.dedup import normalize_company

    keys = {normalize_company(company_name(serial)[0]) for serial in range(0, 2_000_000, 997)}
    assert len(keys) == len(range(0, 2_000_000, 997))
    assert len({phone_digits(serial) for serial in range(50_000)}) == 50_000


class _Sink:
    """A stdout/stderr for call_command that keeps nothing."""

    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False
