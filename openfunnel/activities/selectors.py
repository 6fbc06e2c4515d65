"""Reads of follow-ups, attachments, tasks and reminders, always starting from the actor's scope."""

from __future__ import annotations

import datetime as dt
import inspect
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from openfunnel.accounts.scope import owner_q, visible_owner_ids
from openfunnel.activities.models import Activity, Attachment, Reminder, Task
from openfunnel.core.api import parse_id
from openfunnel.core.compiled import CompiledQuery
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


def _ranked(rows: QuerySet, parts: list[Q], limit: int) -> QuerySet:
    """The first `limit` rows (in the order of `rows`) of each of the disjoint `parts` of `rows`, each with its part
    (`my_day_slice`) and the part's full count (`my_day_total`), in one query: a ROW_NUMBER and a COUNT per part,
    kept to `limit` (SQLite allows no LIMIT inside a UNION, and this one query serves both databases)."""
    order = [F(name[1:]).desc() if name.startswith("-") else F(name) for name in rows.query.order_by]
    # ROW_NUMBER is a bigint on both databases: declared so, the compiled query's stand-in for `limit` (a bigint far
    # below zero) is compared as a parameter instead of being folded into "no row" as below an integer's range.
    return (rows.filter(reduce(operator.or_, parts))
            .annotate(my_day_slice=Case(*[When(part, then=Value(number)) for number, part in enumerate(parts)],
                                        output_field=IntegerField()))
            .annotate(my_day_rank=Window(RowNumber(output_field=BigIntegerField()), partition_by=[F("my_day_slice")],
                                         order_by=order),
                      my_day_total=Window(Count("*"), partition_by=[F("my_day_slice")]))
            .filter(my_day_rank__lte=limit))


def _moments_read(function: Callable[..., Any]) -> tuple[str, ...]:
    """The day's moments (start, end, week_end) a family's rows or a group's condition reads: its parameters."""
    return tuple(name for name in inspect.signature(function).parameters if name != "actor_id")


@dataclass(eq=False)
class _Family:
    """Agenda groups read together: disjoint parts of one ordered query of the actor's own rows. The rows and each
    group's condition are functions of the actor's id and of the day's moments they name as parameters, so that
    the compiled query of a selection of groups takes just the moments it reads (each must reach its SQL)."""

    rows: Callable[..., QuerySet]
    groups: dict[str, Callable[..., Q]]
    key: Any
    _compiled: dict[tuple[str, ...], tuple[CompiledQuery, tuple[str, ...]]] = field(default_factory=dict, init=False,
                                                                                 repr=False)

    def slices(self, names: tuple[str, ...], actor_id: int, moments: dict[str, dt.datetime],
               limit: int) -> list[tuple[list[Any], int]]:
        """The first `limit` rows of each named group, sorted by `key`, with the group's full count."""
        kept = self._compiled.get(names)
        if kept is None:
            kept = self._compiled[names] = self._compile(names)
        compiled, read = kept
        found: list[list[Any]] = [[] for _ in names]
        totals = [0 for _ in names]
        for row in compiled.all(actor_id, limit, *(moments[name] for name in read)):
            found[row.my_day_slice].append(row)
            totals[row.my_day_slice] = row.my_day_total
        return [(sorted(part, key=self.key), total) for part, total in zip(found, totals)]

    def _compile(self, names: tuple[str, ...]) -> tuple[CompiledQuery, tuple[str, ...]]:
        read = tuple(sorted({*_moments_read(self.rows),
                             *(moment for name in names for moment in _moments_read(self.groups[name]))}))

        def build(actor_id: int, limit: int, *values: dt.datetime) -> QuerySet:
            moments = dict(zip(read, values))
            rows = self.rows(actor_id, **{name: moments[name] for name in _moments_read(self.rows)})
            parts = [self.groups[name](**{m: moments[m] for m in _moments_read(self.groups[name])}) for name in names]
            return _ranked(rows, parts, limit)

        return CompiledQuery(build), read


def _pending_customers(actor_id: int) -> QuerySet:
    from openfunnel.customers.models import Customer

    # A planned follow-up counts as done once a follow-up was logged at or after its time.
    return (Customer.objects.filter(_PENDING, owner_id=actor_id, deleted_at__isnull=True,
                                    next_follow_up_at__isnull=False)
            .order_by("next_follow_up_at", "id"))


def _pending_leads(actor_id: int) -> QuerySet:
    from openfunnel.leads.models import Lead

    return (Lead.objects.filter(_PENDING, owner_id=actor_id, deleted_at__isnull=True, next_follow_up_at__isnull=False)
            .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID]).order_by("next_follow_up_at", "id"))


def _open_reminders(actor_id: int, end: dt.datetime) -> QuerySet:
    # A follow-up reminder of a customer or lead listed by the page (due before the day's end) would only repeat it.
    return (Reminder.objects.filter(user_id=actor_id, done_at__isnull=True)
            .exclude(Q(task__isnull=True,
                       customer__in=_pending_customers(actor_id).filter(next_follow_up_at__lt=end).values("pk")))
            .exclude(Q(task__isnull=True,
                       lead__in=_pending_leads(actor_id).filter(next_follow_up_at__lt=end).values("pk")))
            .only("id", "due_at", "message", "task_id", "customer_id", "lead_id").order_by("due_at", "id"))


def _open_tasks(actor_id: int) -> QuerySet:
    # The actor's own tasks only: every task assigned to the actor is within `task_scope_q(actor)` (its first term,
    # or "all"), so the scope adds no condition here and the query takes only the actor's id.
    return (Task.objects.filter(assignee_id=actor_id, status=Task.Status.OPEN, due_at__isnull=False)
            .select_related("customer", "lead")
            .only("id", "title", "due_at", "priority", "status", "customer__name", "lead__company")
            .order_by("due_at", "id"))


_PENDING = Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=F("next_follow_up_at"))
_RECORD_COLUMNS = ("id", "next_follow_up_at", "last_follow_up_at")
_by_follow_up = operator.attrgetter("next_follow_up_at", "pk")
_by_due = operator.attrgetter("due_at", "pk")

# The agenda's groups, each a part of a query of the actor's own rows holding only the columns the page shows.
_FAMILIES = (
    _Family(lambda actor_id: _pending_customers(actor_id).only("name", *_RECORD_COLUMNS),
            {"due_customers": lambda start, end: Q(next_follow_up_at__gte=start, next_follow_up_at__lt=end),
             "overdue_customers": lambda start: Q(next_follow_up_at__lt=start)}, _by_follow_up),
    _Family(lambda actor_id: _pending_leads(actor_id).only("company", *_RECORD_COLUMNS),
            {"due_leads": lambda start, end: Q(next_follow_up_at__gte=start, next_follow_up_at__lt=end),
             "overdue_leads": lambda start: Q(next_follow_up_at__lt=start)}, _by_follow_up),
    _Family(_open_reminders,
            {"due_reminders": lambda start, end: Q(due_at__gte=start, due_at__lt=end),
             "overdue_reminders": lambda start: Q(due_at__lt=start)}, _by_due),
    _Family(_open_tasks,
            {"tasks_overdue": lambda start: Q(due_at__lt=start),
             "tasks_today": lambda start, end: Q(due_at__gte=start, due_at__lt=end),
             "tasks_upcoming": lambda end, week_end: Q(due_at__gte=end, due_at__lt=week_end)}, _by_due),
)

MY_DAY_GROUPS = ("due_customers", "overdue_customers", "due_leads", "overdue_leads", "due_reminders",
                 "overdue_reminders", "tasks_overdue", "tasks_today", "tasks_upcoming")


def _day_moments(now: dt.datetime | None) -> dict[str, dt.datetime]:
    """The local day of `now`: its start, its end and the end of the 7 days after it."""
    start = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"start": start, "end": start + dt.timedelta(days=1), "week_end": start + dt.timedelta(days=8)}


def _follow_ups_logged_query(actor_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The actor with how many follow-ups they logged between `start` and `end`: a count as the annotation of a row,
    so that it is compiled once (`CompiledQuery` reads model rows)."""
    from openfunnel.accounts.models import User

    logged = (Activity.objects.filter(author_id=OuterRef("pk"), deleted_at__isnull=True, occurred_at__gte=start,
                                      occurred_at__lt=end)
              .order_by().values("author_id").annotate(n=Count("id")).values("n"))
    return User.objects.filter(pk=actor_id).only("id").annotate(
        follow_ups=Coalesce(Subquery(logged, output_field=IntegerField()), 0))


_follow_ups_logged = CompiledQuery(_follow_ups_logged_query)


def my_day(*, actor: Any, now: dt.datetime | None = None, limit: int = MY_DAY_FIRST) -> MyDay:
    """The actor's own agenda for the local day of `now`: what is due today, what was due before today and
    is still open, and tasks of the next 7 days (own records only); the first `limit` rows of each group."""
    moments = _day_moments(now)
    day = MyDay(today=moments["start"].date())
    for family in _FAMILIES:
        names = tuple(family.groups)
        for name, (shown, total) in zip(names, family.slices(names, actor.pk, moments, limit)):
            setattr(day, name, shown)
            day.counts[name] = total
    logged = _follow_ups_logged.first(actor.pk, moments["start"], moments["end"])
    day.follow_ups_today = logged.follow_ups if logged is not None else 0
    return day


def my_day_group(*, actor: Any, group: str, now: dt.datetime | None = None,
                 limit: int = MY_DAY_LIMIT) -> tuple[list[Any], int]:
    """One agenda group of `my_day` in full (its first `limit` rows) and its count; NotFound for an unknown
    group."""
    for family in _FAMILIES:
        if group in family.groups:
            [(rows, total)] = family.slices((group,), actor.pk, _day_moments(now), limit)
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
