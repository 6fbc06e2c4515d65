"""The world the permission matrix walks: the shared personas, each rep's records built through the
services, and the company-wide reference data every route may address.

Alice (rep, East Team 1) and Carol (rep, Sales North) each own one record of every scoped kind (a
follow-up on the customer and one on the lead, as scope reaches follow-ups through either), and each
has a public pool of their department holding a customer they released into it. The names carry
unique markers so that a page or a list can be searched for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openfunnel.core.testing import Personas, make_personas

PERSONAS = ["admin", "director", "manager", "alice", "bob", "carol", "finance"]

# Who sees a record owned by alice / carol under the built-in roles (brief: rep scope is "self",
# manager mike's scope is Sales East and its sub-departments, director/admin/finance see all).
SEES_OWNED = {
    "alice": {"alice", "manager", "director", "admin", "finance"},
    "carol": {"carol", "director", "admin", "finance"},
}
# Public pools: alice's side is the pool of Sales East (members: the department and its sub-departments),
# carol's the pool of Sales North; pool admins (config.manage) open every pool.
SEES_POOL = {"alice": {"admin", "manager", "alice", "bob"}, "carol": {"admin", "carol"}}
# A customer lying in a pool: its members see it, and whoever's scope is "all".
SEES_POOL_CUSTOMER = {"alice": {"admin", "director", "finance", "manager", "alice", "bob"},
                      "carol": {"admin", "director", "finance", "carol"}}
# Notifications, reminders and API tokens belong to one user: nobody else reads them.
SEES_PERSONAL = {"alice": {"alice"}, "carol": {"carol"}}
# Holders of audit.view (all of them with scope "all" among the built-in roles).
AUDIT_VIEWERS = {"admin", "director"}
# Holders of recycle.manage.
RECYCLERS = {"admin"}


@dataclass
class Records:
    """One rep's records, keyed by kind."""

    owner: Any
    objects: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)   # unique text per kind, for pages and lists

    def __getitem__(self, kind: str) -> Any:
        return self.objects[kind]


@dataclass
class World:
    p: Personas
    recs: dict[str, Records]            # "alice" / "carol"
    config: dict[str, Any]              # company-wide reference data, by kind
    clients: Any = None                 # tests.matrix.client.Clients, signed in once per persona

    def user(self, persona: str) -> Any:
        return self.p.all()[persona]


def upload(name: str, content: bytes = b"matrix file\n") -> Any:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def _records(p: Personas, owner: Any, tag: str, pipeline: Any, *, uscc: str, department: Any) -> Records:
    from openfunnel.accounts.services import apitoken_create
    from openfunnel.activities.models import Attachment, Reminder
    from openfunnel.activities.services import activity_create, attachment_add, task_create
    from openfunnel.automation.services import notification_send
    from openfunnel.customers.services import contact_create, customer_create
    from openfunnel.leads.services import lead_create, lead_delete
    from openfunnel.pool.models import PoolEvent
    from openfunnel.pool.services import customer_release, pool_create
    from openfunnel.sales.services import opportunity_attachment_add, opportunity_create

    rec = Records(owner=owner)
    now = timezone.now()
    names = {
        "lead": f"{tag}lead Pumps Company",
        "customer": f"{tag}cust Valves Company",
        "contact": f"{tag}contact Person",
        "activity": f"{tag}followup call about valves",
        "lead_activity": f"{tag}leadcall about pumps",
        "attachment": f"{tag}file-activity.txt",
        "lead_attachment": f"{tag}file-lead.txt",
        "task": f"{tag}task prepare offer",
        "opportunity": f"{tag}opp ten valves",
        "opportunity_attachment": f"{tag}file-opp.txt",
        "notification": f"{tag}note for you",
        "token": f"{tag}token",
        "deleted_lead": f"{tag}gone Motors Company",
        "pool": f"{tag}pool of the department",
        "pool_customer": f"{tag}pooled Gears Company",
        "pool_event": f"{tag}released no budget this year",
    }
    rec.names = names
    lead = lead_create(actor=owner, company=names["lead"], name="Lead Person")
    customer = customer_create(actor=owner, name=names["customer"], uscc=uscc)
    contact = contact_create(actor=owner, customer=customer, name=names["contact"])
    activity = activity_create(actor=owner, kind="call", content=names["activity"], customer=customer,
                               contact=contact, next_follow_up_at=now + dt.timedelta(days=2),
                               files=[upload(names["attachment"])])
    lead_activity = activity_create(actor=owner, kind="visit", content=names["lead_activity"], lead=lead)
    lead_attachment = attachment_add(actor=owner, file=upload(names["lead_attachment"]), lead=lead)
    task = task_create(actor=owner, title=names["task"], due_at=now + dt.timedelta(hours=1),
                       customer=customer)
    # Overdue on purpose: the overdue report must list it (only to those who see it).
    opportunity = opportunity_create(actor=owner, customer=customer, name=names["opportunity"],
                                     pipeline=pipeline, amount=Decimal("1000.00"),
                                     expected_close_date=timezone.localdate() - dt.timedelta(days=3))
    opportunity_attachment = opportunity_attachment_add(actor=owner, opportunity=opportunity,
                                                        file=upload(names["opportunity_attachment"]))
    notification = notification_send(recipient=owner, kind="mention", message=names["notification"],
                                     target=customer, url=f"/customers/{customer.pk}/", actor=p.admin)
    token, _secret = apitoken_create(actor=owner, name=names["token"])
    deleted_lead = lead_create(actor=owner, company=names["deleted_lead"], name="Gone Person")
    lead_delete(actor=p.admin, lead=deleted_lead)
    reminder = Reminder.objects.get(activity=activity)
    pool = pool_create(actor=p.admin, member_departments=[department],
                       values={"name": names["pool"], "claim_mode": "both", "warn_days_before": 0,
                               "cooldown_days": 0})
    pool_customer = customer_create(actor=owner, name=names["pool_customer"])
    customer_release(actor=owner, customer=pool_customer, pool=pool, reason=names["pool_event"])
    pool_customer.refresh_from_db()
    rec.objects = {
        "lead": lead, "customer": customer, "contact": contact, "activity": activity,
        "lead_activity": lead_activity,
        "attachment": Attachment.objects.get(activity=activity), "lead_attachment": lead_attachment,
        "task": task, "reminder": reminder, "opportunity": opportunity,
        "opportunity_attachment": opportunity_attachment, "notification": notification, "token": token,
        "deleted_lead": deleted_lead, "pool": pool, "pool_customer": pool_customer,
        "pool_event": PoolEvent.objects.get(customer=pool_customer, kind=PoolEvent.Kind.RELEASE),
    }
    return rec


def _handover(p: Personas) -> Any:
    """A past handover's report (of a leaver outside the personas, so that nobody's records move)."""
    from openfunnel.accounts.models import User
    from openfunnel.accounts.services import user_handover
    from openfunnel.customers.services import customer_create

    leaver = User.objects.create_user(username="leaver", password="leaver-pass-1", name="Leaver", role=p.bob.role,
                                      department=p.north)
    customer_create(actor=leaver, name="Leaver's Old Account Company")
    return user_handover(actor=p.admin, user=leaver, to_user=p.director.pk).handover


def build_world() -> World:
    from openfunnel.audit.models import Event
    from openfunnel.catalog.services import product_create
    from openfunnel.core.testing import VALID_USCC
    from openfunnel.customers.services import level_create, tag_create
    from openfunnel.leads.services import campaign_create
    from openfunnel.sales.models import LostReason, Pipeline
    from openfunnel.sales.services import ensure_default_pipelines

    p = make_personas()
    ensure_default_pipelines()
    pipeline = Pipeline.objects.filter(is_active=True).order_by("id").first()
    recs = {
        "alice": _records(p, p.alice, "Azurite", pipeline, uscc=VALID_USCC[0], department=p.east),
        "carol": _records(p, p.carol, "Cobalt", pipeline, uscc=VALID_USCC[1], department=p.north),
    }
    config = {
        "department": p.east_team,
        "role": p.alice.role,
        "user": p.alice,
        "campaign": campaign_create(actor=p.admin, name="Matrix Fair", cost=Decimal("100.00")),
        "level": level_create(actor=p.admin, code="MX", name="Matrix level"),
        "tag": tag_create(actor=p.admin, name="matrix-tag"),
        "product": product_create(actor=p.admin, code="MX-1", name="Matrix valve", price=Decimal("10.00")),
        "pipeline": pipeline,
        "stage": pipeline.stages.order_by("order", "id").first(),
        "lost_reason": LostReason.objects.order_by("id").first(),
        "event": Event.objects.filter(actor=p.alice, verb="customer.created").first(),
        "handover": _handover(p),
    }
    return World(p=p, recs=recs, config=config)
