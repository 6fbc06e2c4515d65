"""The rows the generator writes, one named tuple per table (the field names are the columns).

The rows of the sales tables are sales.services.bulk's, the event and notification rows those of the audit
and automation services. Columns left out get the model field's default from the writer (deleted_at, version,
notes, campaign …), which is what the ORM would have written for them.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from typing import Any

from openfunnel.audit.services import EventRow
from openfunnel.automation.services import NotificationRow
from openfunnel.pool.services.bulk import PoolEventRow
from openfunnel.sales.services.bulk import sales_tables

CustomerRow = namedtuple(
    "CustomerRow", "id name name_key uscc industry size region address lat lng phone phone_key email email_key "
    "website level_id source owner_id owner_since status last_follow_up_at next_follow_up_at created_by_id "
    "created_at updated_at pool_id pool_entered_at pool_reason previous_owner_id version")
TagLinkRow = namedtuple("TagLinkRow", "customer_id tag_id")
ContactRow = namedtuple(
    "ContactRow", "id customer_id name title phone phone_key email email_key wechat birthday decision_role "
    "is_primary created_at updated_at")
ShareRow = namedtuple("ShareRow", "customer_id user_id can_edit created_at")
ActivityRow = namedtuple(
    "ActivityRow", "id kind content occurred_at author_id customer_id contact_id next_follow_up_at created_at "
    "updated_at")
ReminderRow = namedtuple("ReminderRow", "user_id due_at message customer_id activity_id task_id created_at")
TaskRow = namedtuple(
    "TaskRow", "id title assignee_id created_by_id due_at remind_at priority customer_id created_at updated_at")


@dataclass
class Batch:
    """The rows of one transaction, written table by table (parents before children)."""

    customers: list[Any] = field(default_factory=list)
    tag_links: list[Any] = field(default_factory=list)
    contacts: list[Any] = field(default_factory=list)
    shares: list[Any] = field(default_factory=list)
    notifications: list[Any] = field(default_factory=list)
    activities: list[Any] = field(default_factory=list)
    tasks: list[Any] = field(default_factory=list)
    reminders: list[Any] = field(default_factory=list)
    opportunities: list[Any] = field(default_factory=list)
    opportunity_contacts: list[Any] = field(default_factory=list)
    opportunity_lines: list[Any] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    stage_changes: list[Any] = field(default_factory=list)
    pool_events: list[Any] = field(default_factory=list)   # pool.services.bulk.PoolRows appends here
    events: list[Any] = field(default_factory=list)

    def write(self, writer: Any) -> None:
        from openfunnel.activities.models import Activity, Reminder, Task
        from openfunnel.audit.models import Event
        from openfunnel.automation.models import Notification
        from openfunnel.customers.models import Contact, Customer, CustomerShare
        from openfunnel.pool.models import PoolEvent

        tables = [(Customer, CustomerRow, self.customers), (Customer.tags.through, TagLinkRow, self.tag_links),
                  (Contact, ContactRow, self.contacts), (CustomerShare, ShareRow, self.shares),
                  (Notification, NotificationRow, self.notifications), (Activity, ActivityRow, self.activities),
                  (Task, TaskRow, self.tasks), (Reminder, ReminderRow, self.reminders),
                  *sales_tables(self), (PoolEvent, PoolEventRow, self.pool_events), (Event, EventRow, self.events)]
        for model, row_type, rows in tables:
            if rows:
                writer.write(model, row_type._fields, rows)
