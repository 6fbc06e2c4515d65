"""Reads of follow-ups, attachments, tasks and reminders, always starting from the actor's scope."""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from openfunnel.accounts.scope import owner_q, visible_owner_ids
from openfunnel.activities.models import Activity, Attachment, Reminder, Task
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound


def _customer_q(actor: Any, prefix: str) -> Q:
    from openfunnel.customers.selectors import customer_scope_q

    return customer_scope_q(actor, prefix=prefix) & Q(**{f"{prefix}deleted_at__isnull": True})


def _lead_q(actor: Any, prefix: str) -> Q:
    """Leads the actor sees, by the leads app's own rule (owner within scope; the pool for assigners)."""
    from openfunnel.leads.selectors import lead_scope_q

    return lead_scope_q(actor, prefix=prefix) & Q(**{f"{prefix}deleted_at__isnull": True})


def activity_scope_q(actor: Any, prefix: str = "") -> Q:
    """Follow-ups the actor sees: on a visible customer, on a visible lead, or written by the actor."""
    return (Q(**{f"{prefix}customer__isnull": False}) & _customer_q(actor, f"{prefix}customer__")) \
        | (Q(**{f"{prefix}lead__isnull": False}) & _lead_q(actor, f"{prefix}lead__")) \
        | Q(**{f"{prefix}author_id": actor.pk})


def activities_visible_to(actor: Any) -> QuerySet[Activity]:
    """Every follow-up the actor may see (not deleted), with what lists and serializers show."""
    return (Activity.objects.filter(activity_scope_q(actor), deleted_at__isnull=True)
            .select_related("author", "customer", "lead", "contact")
            .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
                              "mentions"))


def activity_get(*, actor: Any, id: Any) -> Activity:
    """One visible follow-up; NotFound when missing, deleted or out of scope."""
    activity = activities_visible_to(actor).filter(pk=parse_id(id)).first()
    if activity is None:
        raise NotFound()
    return activity


def attachment_scope_q(actor: Any) -> Q:
    """Attachments of a visible follow-up; customer- or lead-level files of a visible customer or lead."""
    on_activity = Q(activity__isnull=False, activity__deleted_at__isnull=True) & activity_scope_q(actor, "activity__")
    on_customer = Q(activity__isnull=True, customer__isnull=False) & _customer_q(actor, "customer__")
    on_lead = Q(activity__isnull=True, customer__isnull=True, lead__isnull=False) & _lead_q(actor, "lead__")
    return on_activity | on_customer | on_lead


def attachments_visible_to(actor: Any) -> QuerySet[Attachment]:
    """Every attachment whose parent the actor may see."""
    return Attachment.objects.filter(attachment_scope_q(actor)).select_related("uploaded_by")


def attachment_get(*, actor: Any, id: Any) -> Attachment:
    """One attachment the actor may download; NotFound otherwise."""
    attachment = attachments_visible_to(actor).filter(pk=parse_id(id)).first()
    if attachment is None:
        raise NotFound()
    return attachment


def task_scope_q(actor: Any) -> Q:
    if visible_owner_ids(actor) is None:
        return Q()  # scope "all": every task (an empty Q inside an OR would be dropped, not mean "all")
    return Q(assignee_id=actor.pk) | Q(created_by_id=actor.pk) | owner_q(actor, "assignee")


def tasks_visible_to(actor: Any) -> QuerySet[Task]:
    """Tasks assigned to or created by the actor, or assigned to someone within the actor's scope."""
    return Task.objects.filter(task_scope_q(actor)).select_related("assignee", "created_by", "customer", "lead",
                                                                   "contact")


def task_get(*, actor: Any, id: Any) -> Task:
    """One visible task; NotFound when missing or out of scope."""
    task = tasks_visible_to(actor).filter(pk=parse_id(id)).first()
    if task is None:
        raise NotFound()
    return task


def reminders_of(actor: Any) -> QuerySet[Reminder]:
    """The actor's own reminders (nobody sees another user's)."""
    return Reminder.objects.filter(user_id=actor.pk).select_related("customer", "lead", "task", "activity")


def reminder_get(*, actor: Any, id: Any) -> Reminder:
    reminder = reminders_of(actor).filter(pk=parse_id(id)).first()
    if reminder is None:
        raise NotFound()
    return reminder


@dataclass
class MyDay:
    """What the "my day" page shows the actor for `today` (their time zone's day)."""

    today: dt.date
    due_customers: list[Any] = field(default_factory=list)
    overdue_customers: list[Any] = field(default_factory=list)
    due_leads: list[Any] = field(default_factory=list)
    overdue_leads: list[Any] = field(default_factory=list)
    due_reminders: list[Reminder] = field(default_factory=list)
    overdue_reminders: list[Reminder] = field(default_factory=list)
    tasks_today: list[Task] = field(default_factory=list)
    tasks_overdue: list[Task] = field(default_factory=list)
    tasks_upcoming: list[Task] = field(default_factory=list)
    follow_ups_today: int = 0
    counts: dict[str, int] = field(default_factory=dict)   # every group's full count; the lists stop at the limit

    @property
    def stats(self) -> dict[str, int]:
        counts = self.counts
        return {
            "due": counts.get("due_customers", 0) + counts.get("due_leads", 0) + counts.get("due_reminders", 0),
            "overdue": counts.get("overdue_customers", 0) + counts.get("overdue_leads", 0)
            + counts.get("overdue_reminders", 0),
            "tasks_today": counts.get("tasks_today", 0),
            "tasks_overdue": counts.get("tasks_overdue", 0),
            "tasks_upcoming": counts.get("tasks_upcoming", 0),
            "follow_ups_today": self.follow_ups_today,
        }

    @property
    def left_out(self) -> dict[str, int]:
        """How many rows of each group the page leaves out (its "show all" lists them)."""
        return {name: total - len(getattr(self, name)) for name, total in self.counts.items()}


MY_DAY_FIRST = 10    # rows of each group on the page; the rest behind the group's "show all"
MY_DAY_LIMIT = 500   # rows of one group's full list


def _slices(rows: QuerySet, parts: list[Q], limit: int, key: Any) -> list[tuple[list[Any], int]]:
    """The first `limit` rows (in the order of `rows`) of each of the disjoint `parts` of `rows` with the part's
    full count, in one query: a ROW_NUMBER and a COUNT per part, kept to `limit` (SQLite allows no LIMIT inside
    a UNION, and this one query serves both databases). Each list comes sorted by `key`."""
    order = [F(name[1:]).desc() if name.startswith("-") else F(name) for name in rows.query.order_by]
    ranked = (rows.filter(reduce(operator.or_, parts))
              .annotate(my_day_slice=Case(*[When(part, then=Value(number)) for number, part in enumerate(parts)],
                                          output_field=IntegerField()))
              .annotate(my_day_rank=Window(RowNumber(), partition_by=[F("my_day_slice")], order_by=order),
                        my_day_total=Window(Count("*"), partition_by=[F("my_day_slice")]))
              .filter(my_day_rank__lte=limit))
    found: list[list[Any]] = [[] for _ in parts]
    totals = [0 for _ in parts]
    for row in ranked:
        found[row.my_day_slice].append(row)
        totals[row.my_day_slice] = row.my_day_total
    return [(sorted(part, key=key), total) for part, total in zip(found, totals)]


@dataclass
class _Family:
    """Agenda groups read together: disjoint parts of one ordered query."""

    rows: QuerySet
    groups: dict[str, Q]
    key: Any


def _families(actor: Any, now: dt.datetime | None) -> tuple[dt.datetime, dt.datetime, list[_Family]]:
    """The agenda's groups for the local day of `now`, each a part of a scoped query holding only the columns
    the page shows."""
    from openfunnel.customers.models import Customer
    from openfunnel.leads.models import Lead

    local = timezone.localtime(now or timezone.now())
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=1)
    due, overdue = Q(next_follow_up_at__gte=start, next_follow_up_at__lt=end), Q(next_follow_up_at__lt=start)
    by_follow_up = lambda row: (row.next_follow_up_at, row.pk)  # noqa: E731
    by_due = lambda row: (row.due_at, row.pk)  # noqa: E731

    # A planned follow-up counts as done once a follow-up was logged at or after its time.
    pending = Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=F("next_follow_up_at"))
    customers = (Customer.objects.filter(pending, owner_id=actor.pk, deleted_at__isnull=True,
                                         next_follow_up_at__isnull=False)
                 .order_by("next_follow_up_at", "id"))
    leads = (Lead.objects.filter(pending, owner_id=actor.pk, deleted_at__isnull=True, next_follow_up_at__isnull=False)
             .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID]).order_by("next_follow_up_at", "id"))
    # A follow-up reminder of a customer or lead listed above would only repeat it.
    listed = Q(next_follow_up_at__lt=end)
    reminders = (Reminder.objects.filter(user_id=actor.pk, done_at__isnull=True)
                 .exclude(Q(task__isnull=True, customer__in=customers.filter(listed).values("pk")))
                 .exclude(Q(task__isnull=True, lead__in=leads.filter(listed).values("pk")))
                 .only("id", "due_at", "message", "task_id", "customer_id", "lead_id").order_by("due_at", "id"))
    tasks = (tasks_visible_to(actor).filter(assignee_id=actor.pk, status=Task.Status.OPEN, due_at__isnull=False)
             .select_related(None).select_related("customer", "lead")
             .only("id", "title", "due_at", "priority", "status", "customer__name", "lead__company")
             .order_by("due_at", "id"))
    records = ("id", "next_follow_up_at", "last_follow_up_at")
    return start, end, [
        _Family(customers.only("name", *records), {"due_customers": due, "overdue_customers": overdue}, by_follow_up),
        _Family(leads.only("company", *records), {"due_leads": due, "overdue_leads": overdue}, by_follow_up),
        _Family(reminders, {"due_reminders": Q(due_at__gte=start, due_at__lt=end),
                            "overdue_reminders": Q(due_at__lt=start)}, by_due),
        _Family(tasks, {"tasks_overdue": Q(due_at__lt=start), "tasks_today": Q(due_at__gte=start, due_at__lt=end),
                        "tasks_upcoming": Q(due_at__gte=end, due_at__lt=start + dt.timedelta(days=8))}, by_due),
    ]


MY_DAY_GROUPS = ("due_customers", "overdue_customers", "due_leads", "overdue_leads", "due_reminders",
                 "overdue_reminders", "tasks_overdue", "tasks_today", "tasks_upcoming")


def my_day(*, actor: Any, now: dt.datetime | None = None, limit: int = MY_DAY_FIRST) -> MyDay:
    """The actor's own agenda for the local day of `now`: what is due today, what was due before today and
    is still open, and tasks of the next 7 days (own records only); the first `limit` rows of each group."""
    start, end, families = _families(actor, now)
    day = MyDay(today=start.date())
    for family in families:
        for name, (shown, total) in zip(family.groups, _slices(family.rows, list(family.groups.values()), limit,
                                                                family.key)):
            setattr(day, name, shown)
            day.counts[name] = total
    day.follow_ups_today = Activity.objects.filter(author_id=actor.pk, deleted_at__isnull=True,
                                                   occurred_at__gte=start, occurred_at__lt=end).count()
    return day


def my_day_group(*, actor: Any, group: str, now: dt.datetime | None = None,
                 limit: int = MY_DAY_LIMIT) -> tuple[list[Any], int]:
    """One agenda group of `my_day` in full (its first `limit` rows) and its count; NotFound for an unknown
    group."""
    for family in _families(actor, now)[2]:
        if group in family.groups:
            [(rows, total)] = _slices(family.rows, [family.groups[group]], limit, family.key)
            return rows, total
    raise NotFound()


@dataclass
class CalendarEntry:
    at: dt.datetime
    kind: str          # "task" | "follow_up" | "reminder"
    title: str
    url: str
    done: bool = False


def calendar_month(*, actor: Any, year: int, month: int) -> dict[dt.date, list[CalendarEntry]]:
    """The actor's own agenda of one month by local day: tasks due, planned follow-ups of their
    customers and leads, and their open reminders (at most 500 of each)."""
    from django.urls import reverse

    from openfunnel.activities import links
    from openfunnel.customers.models import Customer
    from openfunnel.leads.models import Lead

    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    days: dict[dt.date, list[CalendarEntry]] = {}

    def add(entry: CalendarEntry) -> None:
        days.setdefault(timezone.localtime(entry.at).date(), []).append(entry)

    for task in (tasks_visible_to(actor).filter(assignee_id=actor.pk, due_at__gte=start, due_at__lt=end)
                 .exclude(status=Task.Status.CANCELLED).order_by("due_at")[:500]):
        add(CalendarEntry(task.due_at, "task", task.title, reverse("activities:task_edit", args=[task.pk]),
                          done=task.status == Task.Status.DONE))
    for customer in (Customer.objects.filter(owner_id=actor.pk, deleted_at__isnull=True, next_follow_up_at__gte=start,
                                             next_follow_up_at__lt=end).order_by("next_follow_up_at")[:500]):
        add(CalendarEntry(customer.next_follow_up_at, "follow_up", customer.name, links.customer_url(customer.pk)))
    for lead in (Lead.objects.filter(owner_id=actor.pk, deleted_at__isnull=True, next_follow_up_at__gte=start,
                                     next_follow_up_at__lt=end)
                 .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID]).order_by("next_follow_up_at")[:500]):
        add(CalendarEntry(lead.next_follow_up_at, "follow_up", lead.company, links.lead_url(lead.pk)))
    # Reminders of tasks and of the actor's own customers and leads would repeat the entries above.
    reminders = (reminders_of(actor).filter(task__isnull=True, due_at__gte=start, due_at__lt=end)
                 .exclude(customer__owner_id=actor.pk).exclude(lead__owner_id=actor.pk))
    for reminder in reminders.order_by("due_at")[:500]:
        add(CalendarEntry(reminder.due_at, "reminder", reminder.message, reminder.url, done=reminder.done_at is not None))
    for entries in days.values():
        entries.sort(key=lambda e: e.at)
    return days
