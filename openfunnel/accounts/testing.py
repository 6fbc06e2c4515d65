"""Test helpers of the handover (also used by tests/e2e): a rep's book of open and closed records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone


@dataclass
class Book:
    """What `make_book` gave the owner; `open` are the records a handover moves, `closed` those it leaves."""

    owner: Any
    customers: dict[str, Any] = field(default_factory=dict)
    leads: dict[str, Any] = field(default_factory=dict)
    opportunities: dict[str, Any] = field(default_factory=dict)
    tasks: dict[str, Any] = field(default_factory=dict)


def make_book(owner: Any, *, admin: Any, prefix: str = "") -> Book:
    """Four customers (one with an open deal, one with a lost deal, one with a follow-up reminder), one in the
    recycle bin; two open leads and an invalid one; an open task with a reminder, one on a lead, a done one."""
    from openfunnel.activities.services import activity_create, task_complete, task_create
    from openfunnel.customers.services import customer_create, customer_delete
    from openfunnel.leads.services import lead_create, lead_set_status
    from openfunnel.sales.models import LostReason, Pipeline
    from openfunnel.sales.services import ensure_default_pipelines, opportunity_create, opportunity_lose

    ensure_default_pipelines()
    pipeline = Pipeline.objects.filter(is_active=True).order_by("id").first()
    now = timezone.now()
    book = Book(owner=owner)
    for key in ("deal", "lost", "plain", "followed", "gone"):
        book.customers[key] = customer_create(actor=owner, name=f"{prefix}{key.title()} Machinery Co")
    customer_delete(actor=admin, customer=book.customers.pop("gone"))
    for key in ("new", "qualified", "invalid"):
        book.leads[key] = lead_create(actor=owner, company=f"{prefix}{key.title()} Lead Pumps Co")
    lead_set_status(actor=owner, lead=book.leads["qualified"], status="qualified")
    lead_set_status(actor=owner, lead=book.leads["invalid"], status="invalid")
    book.opportunities["open"] = opportunity_create(actor=owner, customer=book.customers["deal"], pipeline=pipeline,
                                                    name=f"{prefix}Open deal", amount=Decimal("5000.00"))
    lost = opportunity_create(actor=owner, customer=book.customers["lost"], pipeline=pipeline,
                              name=f"{prefix}Lost deal", amount=Decimal("8000.00"))
    book.opportunities["lost"] = opportunity_lose(actor=owner, opportunity=lost,
                                                  reason=LostReason.objects.order_by("id").first().pk)
    activity_create(actor=owner, kind="call", content="Asked for a quote", customer=book.customers["followed"],
                    next_follow_up_at=now + dt.timedelta(days=3))
    book.tasks["open"] = task_create(actor=owner, title=f"{prefix}Send the offer", customer=book.customers["plain"],
                                     due_at=now + dt.timedelta(days=1), remind_at=now + dt.timedelta(hours=20))
    book.tasks["lead"] = task_create(actor=owner, title=f"{prefix}Call the lead", lead=book.leads["new"],
                                     due_at=now + dt.timedelta(days=2))
    book.tasks["done"] = task_complete(actor=owner, task=task_create(actor=owner, title=f"{prefix}Old task"))
    return book
